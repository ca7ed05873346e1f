// DeployOps benchmarks: each measurement is a named entry; run one with
//   dotnet run --project bench/DeployOps.Bench -c Release -- <name>
using DeployOps.Bench;

var benches = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["deployment"] = DeploymentBench.RunAsync,
};

if (args.Length == 0 || !benches.TryGetValue(args[0], out var bench))
{
    Console.Error.WriteLine($"usage: DeployOps.Bench <{string.Join("|", benches.Keys)}> [options]");
    return 2;
}
return await bench(args[1..]);
