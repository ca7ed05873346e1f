using DeployOps.Engine.Audit;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// A real nginx proxying one server block to an upstream include file DeployOps owns, started with an initial
/// assignment. Counts which versions answer through it.
/// </summary>
internal sealed class NginxStage : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public NginxStage(IReadOnlyList<TrafficBackend> initial, string upstreamName = "app")
    {
        Nginx = new NginxFixture();
        UpstreamName = upstreamName;
        ProxyPort = FreePort.Next();
        UpstreamFile = Path.Combine(Nginx.ConfDirectory, upstreamName + "-upstream.conf");
        Nginx.WriteConf("site.conf", $$"""
            server {
                listen 127.0.0.1:{{ProxyPort}};
                location / {
                    proxy_pass http://{{upstreamName}};
                    proxy_next_upstream error timeout http_502;
                }
            }
            """);
        var router = new NginxRouter(Settings(), new Redactor());
        // Every server down is what an empty host starts with: DeployOps never writes that itself, so the test does.
        if (initial.All(b => b.Weight == 0)) File.WriteAllText(UpstreamFile, router.Render(initial));
        else router.WriteInitial(initial);
        Nginx.Start(ProxyPort);
    }

    public NginxFixture Nginx { get; }
    public string UpstreamName { get; }
    public int ProxyPort { get; }
    public string UpstreamFile { get; }
    public string ProxyUrl => $"http://127.0.0.1:{ProxyPort}";

    public TrafficSettings Settings(TimeSpan? confirmTimeout = null, string? probeUrl = null) =>
        TrafficSettings.ForNginx(UpstreamFile, UpstreamName, probeUrl ?? ProxyUrl + "/version", Nginx.Binary, Nginx.Arguments,
            confirmTimeout ?? TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));

    /// <summary>The deployment.traffic block of a deployops.yaml that drives this nginx (indented for nesting).</summary>
    public string Yaml(string indent = "    ", string probePath = "/version") => string.Join("\n", new[]
    {
        $"traffic:",
        $"  upstreamFile: {UpstreamFile}",
        $"  upstreamName: {UpstreamName}",
        $"  nginx: {Nginx.Binary}",
        $"  nginxArguments: \"{Nginx.Arguments}\"",
        $"  probeUrl: {ProxyUrl}{probePath}",
        $"  probePath: {probePath}",
        $"  confirmTimeout: 10s",
        $"  drainDelay: 200ms",
    }.Select(l => indent + l));

    /// <summary>Sends GETs through nginx and counts answers by X-App-Version ("error:NNN" for non-2xx).</summary>
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

    /// <summary>
    /// Waits (up to 10 s) until <paramref name="consecutive"/> requests in a row answer with <paramref name="version"/>:
    /// a reload that nginx has accepted takes effect once its old workers stop accepting connections.
    /// </summary>
    public async Task<bool> SettlesOnAsync(string version, int consecutive = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var streak = 0;
        while (DateTime.UtcNow < deadline && streak < consecutive)
        {
            var counts = await CountVersionsAsync(1);
            streak = counts.ContainsKey(version) ? streak + 1 : 0;
            if (streak == 0) await Task.Delay(50);
        }
        return streak >= consecutive;
    }

    public static string Show(Dictionary<string, int> counts) => string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"));

    public void Dispose() => Nginx.Dispose();
}
