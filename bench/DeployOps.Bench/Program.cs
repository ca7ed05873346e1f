// DeployOps benchmarks: dotnet run -c Release --project bench/DeployOps.Bench -- <name>
// Each concern adds its entry here and keeps its code in its own files.
using DeployOps.Bench;

var benches = new Dictionary<string, Func<string[], Task>>(StringComparer.OrdinalIgnoreCase)
{
    ["health"] = HealthBench.RunAsync,
};

if (args.Length == 0 || !benches.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: DeployOps.Bench <{string.Join("|", benches.Keys)}>");
    return 2;
}
await run(args[1..]);
return 0;
