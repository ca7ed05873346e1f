// Usage: DeployOps.DeployProbe <deployops.yaml> <version> <strategy> <phase>[#n]
// Runs Invoke-Deployment's engine and kills itself with SIGKILL (as kill -9 would) at the n-th (default first) thing
// the engine does inside <phase>: a step, a traffic move, a message. Exit code 3 means that point was never reached.
using System.Diagnostics;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;

if (args.Length != 4)
{
    Console.Error.WriteLine("usage: DeployOps.DeployProbe <config> <version> <strategy> <phase>");
    return 2;
}
var config = ConfigLoader.Load(args[0]);
var sink = new KillingSink(args[3]);
await DeploymentEngine.InvokeAsync(config, new DeploymentOptions
{
    Version = args[1],
    Strategy = Enum.Parse<DeploymentStrategy>(args[2], ignoreCase: true),
}, sink, CancellationToken.None);
return 3;

internal sealed class KillingSink : IOutputSink
{
    private readonly string _phase;
    private readonly int _at;
    private volatile bool _armed;
    private int _events;

    public KillingSink(string spec)
    {
        var parts = spec.Split('#');
        _phase = parts[0];
        _at = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
    }

    private void Hit()
    {
        if (!_armed || Interlocked.Increment(ref _events) < _at) return;
        Console.Out.Flush();
        Process.GetCurrentProcess().Kill(); // SIGKILL: no finally blocks, no journal "Ended" line
    }

    public void WriteProgress(ProgressUpdate progress)
    {
        Hit();
        if (progress.ActivityId == DeploymentEngine.PhaseActivityId && progress.Status.StartsWith(_phase + ":", StringComparison.Ordinal))
            _armed = true;
    }

    public void WriteRecord(object record) => Hit();
    public void WriteVerbose(string message) => Hit();
    public void WriteWarning(string message) => Hit();
    public void WriteError(DeployOpsError error) => Console.Error.WriteLine(error);

    public bool ShouldProcess(string target, string action)
    {
        Hit();
        return true;
    }

    public bool IsDryRun => false;
}
