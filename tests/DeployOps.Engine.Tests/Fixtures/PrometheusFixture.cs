using System.Diagnostics;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A real Prometheus server (the Debian package's binary) on a free loopback port with its own configuration and
/// TSDB in a temp folder, scraping the given targets every second. Stopped by PID.
/// </summary>
public sealed class PrometheusFixture : IDisposable
{
    private const string Install = "apt-get install -y prometheus";
    private readonly StringBuilder _log = new();
    private readonly Process _process;

    public PrometheusFixture(IEnumerable<string> targets, string scrapeInterval = "1s")
    {
        var binary = ExternalProcess.Require(Install, "/usr/bin/prometheus", "prometheus");
        Root = ExternalProcess.TempDirectory("prom");
        Port = FreePort.Next();
        var configPath = Path.Combine(Root, "prometheus.yml");
        File.WriteAllText(configPath, $"""
            global:
              scrape_interval: {scrapeInterval}
              evaluation_interval: {scrapeInterval}
            scrape_configs:
              - job_name: app
                scrape_interval: {scrapeInterval}
                scrape_timeout: {scrapeInterval}
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """);
        _process = ExternalProcess.Start(binary,
            $"--config.file={configPath} --storage.tsdb.path={Path.Combine(Root, "data")} " +
            $"--web.listen-address=127.0.0.1:{Port} --log.level=warn --storage.tsdb.retention.time=1h", _log, Root);
        ExternalProcess.WaitForPort(Port, TimeSpan.FromSeconds(30), () => _log.ToString());
    }

    public string Root { get; }
    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Waits until an instant query answers with data (the first scrapes have landed).</summary>
    public async Task WaitForDataAsync(string query, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var body = await http.GetStringAsync($"{Url}/api/v1/query?query={Uri.EscapeDataString(query)}");
                if (body.Contains("\"result\":[{", StringComparison.Ordinal)) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Prometheus had no data for {query} within {timeout}. {Log}");
    }

    public void Dispose()
    {
        ExternalProcess.Stop(_process);
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
