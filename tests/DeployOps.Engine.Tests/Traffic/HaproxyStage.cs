using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Traffic;
using DeployOps.Engine.Traffic.Haproxy;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// A real haproxy in front of slots or instances: each backend becomes <c>server srv_&lt;name&gt;</c> (mapped under
/// traffic.haproxy.servers, so the mapping is exercised), with weight 0 written as <c>disabled</c>. Counts which
/// versions answer through it.
/// </summary>
internal sealed class HaproxyStage : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public HaproxyStage(IReadOnlyList<TrafficBackend> initial, int? port = null, string backend = "app")
    {
        Backends = initial;
        Haproxy = new HaproxyFixture(port ?? FreePort.Next(), backend, initial.Select(b =>
            $"server {ServerName(b.Name)} {b.Address} weight {Math.Max(b.Weight, 1)}" + (b.Weight == 0 ? " disabled" : "")));
        Haproxy.Start();
    }

    public HaproxyFixture Haproxy { get; }
    public IReadOnlyList<TrafficBackend> Backends { get; }
    public string ProxyUrl => $"http://127.0.0.1:{Haproxy.Port}";

    public static string ServerName(string backendName) => "srv_" + backendName;

    public Dictionary<string, string> Servers => Backends.ToDictionary(b => b.Name, b => ServerName(b.Name));

    public TrafficSettings Settings(TimeSpan? drainTimeout = null, TimeSpan? confirmTimeout = null, string? socket = null,
        string? backend = null) =>
        TrafficSettings.ForHaproxy(HaproxySettings.Create(socket ?? Haproxy.Socket, backend ?? Haproxy.Backend, Servers, Haproxy.StateFile,
            drainTimeout ?? TimeSpan.FromSeconds(10)), ProxyUrl + "/version", confirmTimeout ?? TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));

    /// <summary>The deployment.traffic block of a deployops.yaml that drives this haproxy (indented for nesting).</summary>
    public string Yaml(string indent = "    ") => string.Join("\n", new[]
    {
        "traffic:",
        "  provider: haproxy",
        $"  probeUrl: {ProxyUrl}/version",
        "  probePath: /version",
        "  confirmTimeout: 10s",
        "  drainDelay: 200ms",
        "  haproxy:",
        $"    socket: {Haproxy.Socket}",
        $"    backend: {Haproxy.Backend}",
        $"    stateFile: {Haproxy.StateFile}",
        "    drainTimeout: 10s",
        "    servers:",
    }.Concat(Backends.Select(b => $"      {b.Name}: {ServerName(b.Name)}")).Select(l => indent + l));

    /// <summary>Sends GETs through haproxy and counts answers by X-App-Version ("error:NNN" for non-2xx).</summary>
    public async Task<Dictionary<string, int>> CountVersionsAsync(int requests, string path = "/api/work")
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < requests; i++)
        {
            using var response = await Http.GetAsync(ProxyUrl + path);
            var key = response.IsSuccessStatusCode
                ? (response.Headers.TryGetValues("X-App-Version", out var v) ? string.Join(",", v) : "none")
                : $"error:{(int)response.StatusCode}";
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    public void Dispose() => Haproxy.Dispose();
}
