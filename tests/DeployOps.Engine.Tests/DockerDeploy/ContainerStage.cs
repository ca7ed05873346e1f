using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.DockerDeploy;

/// <summary>
/// Containers behind a real nginx: a deployops.yaml whose deployment.docker runs the fixture's busybox test images
/// (they serve /version on $PORT) on the host network, in slots blue/green or instances web1..N. Every stage gets its
/// own image repository (tags 1 and 2 copied from deployops-test) so tags can move without touching other tests.
/// The healthcheck fails for images whose version contains "broken".
/// </summary>
internal sealed class ContainerStage : IDisposable
{
    private readonly TempConfig _temp;
    private readonly DockerClient _client;

    public ContainerStage(DockerDaemonFixture? daemon, int instances = 0, string extraDocker = "", string? host = null, string restart = "\"no\"")
    {
        _temp = new TempConfig("placeholder: true");
        Application = "c" + Guid.NewGuid().ToString("N")[..8];
        Repository = "dops-" + Application;
        _client = new DockerClient(DockerEndpoint.Parse(host ?? daemon!.Host));
        if (daemon is not null)
        {
            foreach (var tag in new[] { "1", "2" })
                _client.TagImageAsync(DockerDaemonFixture.TestImage(tag), Repository, tag, CancellationToken.None).GetAwaiter().GetResult();
        }
        string targetsYaml;
        var backends = new List<TrafficBackend>();
        if (instances == 0)
        {
            Blue = new DeploymentTarget("blue", "127.0.0.1", FreePort.Next());
            Green = new DeploymentTarget("green", "127.0.0.1", FreePort.Next());
            targetsYaml = $"  slots:\n    blue: {{ host: 127.0.0.1, port: {Blue.Port} }}\n    green: {{ host: 127.0.0.1, port: {Green.Port} }}";
            backends.AddRange(TrafficSwitcher.AllTo(new[] { Blue, Green }, "blue"));
        }
        else
        {
            Instances = Enumerable.Range(1, instances).Select(i => new DeploymentTarget($"web{i}", "127.0.0.1", FreePort.Next())).ToList();
            targetsYaml = "  instances:\n" + string.Join("\n", Instances.Select(i => $"    - {{ name: {i.Name}, host: 127.0.0.1, port: {i.Port} }}"));
            backends.AddRange(Instances.Select(i => new TrafficBackend(i.Name, i.Host, i.Port, 1)));
        }
        Proxy = new NginxStage(backends);
        var yaml = string.Join("\n", new[]
        {
            $"application: {Application}",
            "environment: test",
            "deployment:",
            targetsYaml,
            Proxy.Yaml("  ", "/version"),
            "  readiness:",
            "    path: /version",
            "    timeout: 15s",
            "    interval: 100ms",
            "  canary:",
            "    steps: [50]",
            "    pause: 100ms",
            "  docker:",
            $"    host: {host ?? daemon!.Host}",
            $"    image: \"{Repository}:{{version}}\"",
            "    pull: never",
            "    containerName: \"{app}-{instance}\"",
            "    env:",
            "      PORT: \"{port}\"",
            "    labels:",
            "      team: checkout",
            "    healthcheck:",
            "      command: \"wget -q -O - http://127.0.0.1:{port}/version | grep -qv broken\"",
            "      interval: 200ms",
            "      retries: 2",
            "      timeout: 20s",
            $"    restart: {restart}",
            "    stopTimeout: 1s",
            "    resources:",
            "      memory: 64MB",
            "      cpus: 0.5",
            YamlText.Indent(extraDocker, "    "),
        });
        File.WriteAllText(_temp.Path, yaml);
    }

    public string Application { get; }
    public string Repository { get; }
    public string ConfigPath => _temp.Path;
    public string Directory => _temp.Directory;
    public DeploymentTarget? Blue { get; }
    public DeploymentTarget? Green { get; }
    public IReadOnlyList<DeploymentTarget> Instances { get; } = Array.Empty<DeploymentTarget>();
    public NginxStage Proxy { get; }
    internal DockerClient Client => _client;

    public ConfigModel Load() => ConfigLoader.Load(ConfigPath);

    public Task<DeploymentRecord?> DeployAsync(string version, DeploymentStrategy strategy, RecordingSink? sink = null, ICanaryGate? gate = null) =>
        DeploymentEngine.InvokeAsync(Load(), new DeploymentOptions { Version = version, Strategy = strategy, CanaryGate = gate },
            sink ?? new RecordingSink(), CancellationToken.None);

    public string ContainerName(string target) => $"{Application}-{target}";

    public string ActiveSlot() => TrafficSwitcher.ActiveSlot(NginxRouter.Parse(File.ReadAllText(Proxy.UpstreamFile))) ?? "(none)";

    public string ImageId(string reference) => _client.InspectImageAsync(reference, CancellationToken.None).GetAwaiter().GetResult().ID;

    /// <summary>GET /version through nginx <paramref name="requests"/> times, each on a new connection; counts by answer.</summary>
    public async Task<Dictionary<string, int>> CountVersionsAsync(int requests) => await CountAsync(Proxy.ProxyUrl + "/version", requests);

    public static async Task<Dictionary<string, int>> CountAsync(string url, int requests)
    {
        var counts = new Dictionary<string, int>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < requests; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.ConnectionClose = true;
            string key;
            try
            {
                using var response = await http.SendAsync(request);
                key = response.IsSuccessStatusCode ? (await response.Content.ReadAsStringAsync()).Trim() : $"error:{(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                key = "failed:" + ex.Message;
            }
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    /// <summary>Starts <paramref name="version"/> on a target the way an operator did before DeployOps (no deployops labels).</summary>
    public async Task StartByHandAsync(DeploymentTarget target, string version)
    {
        var created = await _client.CreateContainerAsync(new DockerContainerSpec
        {
            Image = $"{Repository}:{version}",
            Name = ContainerName(target.Name),
            Environment = new Dictionary<string, string> { ["PORT"] = target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Labels = new Dictionary<string, string> { ["deployops.app"] = Application },
            StopTimeout = TimeSpan.FromSeconds(1),
        }, CancellationToken.None);
        await _client.StartContainerAsync(created.ID, CancellationToken.None);
        ExternalProcess.WaitForPort(target.Port, TimeSpan.FromSeconds(20), () => "container " + target.Name);
    }

    public void Dispose()
    {
        try
        {
            var ct = CancellationToken.None;
            var containers = _client.ListContainersAsync(new Dictionary<string, string?> { ["deployops.app"] = Application }, true, ct).GetAwaiter().GetResult();
            foreach (var c in containers) _client.RemoveContainerAsync(c.ID, force: true, ct).GetAwaiter().GetResult();
            foreach (var image in _client.ListImagesAsync(Repository, ct).GetAwaiter().GetResult())
                foreach (var tag in image.Tags().Where(t => t.StartsWith(Repository + ":", StringComparison.Ordinal)))
                    _client.RemoveImageAsync(tag, force: false, ct).GetAwaiter().GetResult();
        }
        catch (DeployOpsException)
        {
            // daemon-less stages have nothing to clean
        }
        _client.Dispose();
        Proxy.Dispose();
        _temp.Dispose();
    }
}
