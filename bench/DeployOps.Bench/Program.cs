// DeployOps benchmarks: `dotnet run -c Release --project bench/DeployOps.Bench -- <name> [options]`.
// Each benchmark lives in its own file and prints the numbers quoted in the docs.
using DeployOps.Bench;

var benchmarks = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["backup"] = BackupBench.RunAsync,
    ["prechecks"] = PreDeploymentBench.RunAsync,
    ["maintenance"] = MaintenanceBench.RunAsync,
    ["deployment"] = DeploymentBench.RunAsync,
    ["health"] = async a => { await HealthBench.RunAsync(a); return 0; },
    ["docker"] = DockerBench.RunAsync,
    ["rollback"] = RollbackBench.RunAsync,
    ["import"] = ImportBench.RunAsync,
    ["router"] = RouterBench.RunAsync,
    ["fleet"] = FleetBench.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: DeployOps.Bench <{string.Join("|", benchmarks.Keys)}> [options]");
    return 2;
}
return await run(args[1..]);
