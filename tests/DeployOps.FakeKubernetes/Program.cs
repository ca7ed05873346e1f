using DeployOps.FakeKubernetes;

// tests/pester/Kubernetes.Tests.ps1 runs this as a process:
//   DeployOps.FakeKubernetes --token-file F --ca-out F [--namespace prod] [--app shop] [--image registry.local/shop:1.0] [--exit-with-pid N]
// It seeds blue-green (Service {app}, Deployments {app}-blue live and {app}-green) and rolling ({app}-web) objects,
// writes the CA, prints "listening <url>" and serves until it is stopped.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
string Option(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
var token = File.ReadAllText(Option("token-file", "")).Trim();
var ns = Option("namespace", "prod");
var app = Option("app", "shop");
var image = Option("image", $"registry.local/{app}:1.0");
await using var server = await FakeKubernetesServer.StartAsync(token);
server.Cluster.SeedBlueGreen(ns, app, "blue", 2, image);
server.Cluster.SeedRolling(ns, $"{app}-web", 3, image);
await File.WriteAllTextAsync(Option("ca-out", "ca.crt"), server.CaPem);
Console.WriteLine($"listening {server.Url}");
Console.Out.Flush();
// Ends on SIGTERM/SIGINT (the suite stops it by PID), or when the process named by --exit-with-pid is gone, so a
// killed test run leaves nothing listening.
var stop = new TaskCompletionSource();
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
if (int.TryParse(Option("exit-with-pid", ""), out var parent))
    _ = Task.Run(async () =>
    {
        while (!stop.Task.IsCompleted)
        {
            try { using var p = System.Diagnostics.Process.GetProcessById(parent); if (p.HasExited) break; }
            catch (ArgumentException) { break; }
            await Task.Delay(1000);
        }
        stop.TrySetResult();
    });
await stop.Task;
