using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;

// Usage: DeployOps.StateProbe <hold|deploy> <stateDir> <app> <env> <deploymentId> [phases] [postgresConnectionString]
//   hold:   takes the deployment lock, prints "locked", then waits to be killed.
//   deploy: journals <phases> phases (start, one step, completion), printing "completed <phase>" after each
//           durable completion, then "done" and waits to be killed (the test kills it with SIGKILL mid-way).
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: DeployOps.StateProbe <hold|deploy> <stateDir> <app> <env> <id> [phases] [postgres]");
    return 2;
}
var (mode, directory, app, env, id) = (args[0], args[1], args[2], args[3], args[4]);
var phases = args.Length > 5 ? int.Parse(args[5]) : 3;
var state = args.Length > 6
    ? StateSettings.ForPostgres(directory, PostgresSettings.FromConnectionString(args[6]))
    : StateSettings.ForDirectory(directory);
await using var store = DeploymentStore.Open(state, app, env, new Redactor());
try
{
    if (mode == "hold")
    {
        await using var held = await store.AcquireLockAsync(id, CancellationToken.None);
        Console.WriteLine("locked");
        await Task.Delay(Timeout.Infinite);
    }
    var tracker = await DeploymentTracker.StartAsync(store, new DeploymentStart { Version = "v2", Strategy = "BlueGreen", Id = id },
        CancellationToken.None);
    for (var i = 1; i <= phases; i++)
    {
        var phase = $"phase-{i}";
        await tracker.PhaseStartedAsync(phase, CancellationToken.None);
        await tracker.StepCompletedAsync(phase, "step", null, CancellationToken.None);
        await tracker.PhaseCompletedAsync(phase, $"finished {phase}", CancellationToken.None);
        Console.WriteLine($"completed {phase}");
    }
    await tracker.PhaseStartedAsync("last", CancellationToken.None);
    Console.WriteLine("done");
    await Task.Delay(Timeout.Infinite);
    return 0;
}
catch (Exception ex)
{
    Console.WriteLine("error " + ex.Message);
    return 1;
}
