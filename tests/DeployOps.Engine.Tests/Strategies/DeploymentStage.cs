using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// A whole deployment target: a deployops.yaml whose start/stop steps launch and stop examples/DemoApp as real
/// background processes (pid files), behind a real nginx whose upstream DeployOps owns. Starts with version 1.0.0
/// live on blue (slots) or on every instance; <c>startInstances: false</c> starts nothing (an empty host) and
/// <c>noneRouted</c> writes a router state in which no target takes traffic. A version ending in "-faulty" starts with a 100% error rate on /api;
/// one ending in "-nobuild" fails its install step.
/// </summary>
internal sealed class DeploymentStage : IDisposable
{
    public const string InitialVersion = "1.0.0";
    private readonly TempConfig _temp;
    private readonly List<string> _names = new();

    public DeploymentStage(int instances = 0, string extraDeployment = "", string? smoke = null, string? verify = null,
        string probePath = "/version", bool startInstances = true, bool noneRouted = false)
    {
        _temp = new TempConfig("placeholder: true");
        Directory = _temp.Directory;
        File.WriteAllText(Path.Combine(Directory, "app.sh"), AppScript);
        var targets = new List<TrafficBackend>();
        string targetsYaml;
        if (instances == 0)
        {
            Blue = new DeploymentTarget("blue", "127.0.0.1", FreePort.Next());
            Green = new DeploymentTarget("green", "127.0.0.1", FreePort.Next());
            targetsYaml = $"  slots:\n    blue: {Inline(Blue)}\n    green: {Inline(Green)}";
            if (startInstances) StartApp(Blue, InitialVersion);
            targets.AddRange(TrafficSwitcher.AllTo(new[] { Blue, Green }, "blue"));
        }
        else
        {
            Instances = Enumerable.Range(1, instances).Select(i => new DeploymentTarget($"web{i}", "127.0.0.1", FreePort.Next())).ToList();
            targetsYaml = "  instances:\n" + string.Join("\n", Instances.Select(i => $"    - {{ name: {i.Name}, host: 127.0.0.1, port: {i.Port} }}"));
            if (startInstances) foreach (var i in Instances) StartApp(i, InitialVersion);
            targets.AddRange(Instances.Select(i => new TrafficBackend(i.Name, i.Host, i.Port, 1)));
        }
        if (noneRouted) targets = targets.Select(t => t.WithWeight(0)).ToList();
        Routed = targets;
        Proxy = new NginxStage(targets);
        smoke ??= "- name: api answers\n  http: { url: \"http://{host}:{port}/api/orders\", expectJson: { version: \"{version}\" } }";
        verify ??= $"- name: proxy serves the new version\n  http: {{ url: \"{Proxy.ProxyUrl}/version\", expectJson: {{ version: \"{{version}}\" }} }}";
        var yaml = string.Join("\n", new[]
        {
            "application: shop",
            "environment: test",
            "deployment:",
            targetsYaml,
            Proxy.Yaml("  ", probePath),
            "  readiness:",
            "    timeout: 20s",
            "    interval: 100ms",
            "  steps:",
            "    stop:",
            "      - name: stop app",
            "        command: bash ./app.sh stop {instance}",
            "    install:",
            "      - name: build",
            "        command: 'if [[ \"{version}\" == *-nobuild ]]; then echo \"compiling {version}\"; echo \"error CS1002: ; expected\" >&2; exit 2; fi; echo built'",
            "    start:",
            "      - name: start app",
            "        command: bash ./app.sh start {instance} {port} {version}",
            "    smoke:",
            YamlText.Indent(smoke, "      "),
            "    verify:",
            YamlText.Indent(verify, "      "),
            YamlText.Indent(extraDeployment, "  "),
        });
        File.WriteAllText(_temp.Path, yaml);
    }

    public string Directory { get; }
    public string ConfigPath => _temp.Path;
    public DeploymentTarget? Blue { get; }
    public DeploymentTarget? Green { get; }
    public IReadOnlyList<DeploymentTarget> Instances { get; } = Array.Empty<DeploymentTarget>();
    public NginxStage Proxy { get; }
    /// <summary>The router's assignment at the start (blue, or every instance; all weight 0 with <c>noneRouted</c>).</summary>
    public IReadOnlyList<TrafficBackend> Routed { get; }
    public string ProxyUrl => Proxy.ProxyUrl;

    public ConfigModel Load() => ConfigLoader.Load(ConfigPath);

    public Task<DeploymentRecord?> DeployAsync(string version, DeploymentStrategy strategy, RecordingSink? sink = null, ICanaryGate? gate = null) =>
        DeploymentEngine.InvokeAsync(Load(), new DeploymentOptions { Version = version, Strategy = strategy, CanaryGate = gate },
            sink ?? new RecordingSink(), CancellationToken.None);

    public async Task<DeploymentRecord?> GetAsync(string id)
    {
        await using var store = DeploymentStore.Open(Load());
        return await store.GetAsync(id, CancellationToken.None);
    }

    public string ActiveSlot() => TrafficSwitcher.ActiveSlot(NginxRouter.Parse(File.ReadAllText(Proxy.UpstreamFile))) ?? "(none)";

    public void StartApp(DeploymentTarget target, string version)
    {
        _names.Add(target.Name);
        ExternalProcess.Run("/bin/bash", $"{Path.Combine(Directory, "app.sh")} start {target.Name} {target.Port} {version}", workingDirectory: Directory);
        ExternalProcess.WaitForPort(target.Port, TimeSpan.FromSeconds(30), () => AppOutput(target.Name));
    }

    public string AppOutput(string name)
    {
        var path = Path.Combine(Directory, name + ".out");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    private static string Inline(DeploymentTarget t) => $"{{ host: {t.Host}, port: {t.Port} }}";

    private static string AppScript => $$"""
        #!/bin/bash
        # Starts/stops one demo-app instance in the background, tracked by a pid file (as a runbook would).
        dir="$(cd "$(dirname "$0")" && pwd)"
        name="$2"
        case "$1" in
          start)
            port="$3"; version="$4"
            if [[ "$version" == *-faulty ]]; then export DEMO_ERROR_RATE=1; fi
            DEMO_VERSION="$version" DEMO_INSTANCE="$name" ASPNETCORE_ENVIRONMENT=Production \
              nohup dotnet "{{DemoAppProcess.DllPath}}" --urls "http://127.0.0.1:$port" > "$dir/$name.out" 2>&1 < /dev/null &
            echo $! > "$dir/$name.pid"
            echo "started $name ($version) as pid $!"
            ;;
          stop)
            if [ -f "$dir/$name.pid" ]; then
              pid="$(cat "$dir/$name.pid")"
              kill "$pid" 2>/dev/null || true
              for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
              rm -f "$dir/$name.pid"
              echo "stopped $name (pid $pid)"
            fi
            ;;
        esac
        """;

    public void Dispose()
    {
        foreach (var pidFile in System.IO.Directory.GetFiles(Directory, "*.pid"))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) ExternalProcess.Kill(pid, 9);
        }
        Proxy.Dispose();
        _temp.Dispose();
    }
}
