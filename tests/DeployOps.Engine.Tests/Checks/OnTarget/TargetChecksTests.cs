using System.Text;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.OnTarget;

/// <summary>
/// The pre-deployment checklist on the hosts of <c>targets:</c>, against real sshd in network namespaces: each check
/// runs on every selected host (by name or label), measures there — a listener on one host's own loopback passes
/// there and fails on the other — and every result names its host. A host whose key changed fails its checks with
/// the ssh error, never silently.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TargetChecksTests : IClassFixture<TargetChecksTests.Hosts>
{
    /// <summary>Two hosts; host 0 also runs an HTTP server on its own 127.0.0.1 (invisible from anywhere else).</summary>
    public sealed class Hosts : IDisposable
    {
        public const int LoopbackPort = 18431;
        private readonly StringBuilder _log = new();
        private readonly System.Diagnostics.Process? _server;

        public Hosts()
        {
            Fleet = new SshHostFixture(2);
            try
            {
                Directory.CreateDirectory(Path.Combine(Fleet.Directory, "www"));
                File.WriteAllText(Path.Combine(Fleet.Directory, "www", "health.json"), "{\"status\":\"ok\",\"host\":\"first\"}");
                _server = ExternalProcess.Start("ip", $"netns exec dof{Fleet.Hosts[0].Name} python3 -m http.server --bind 127.0.0.1 {LoopbackPort}",
                    _log, Path.Combine(Fleet.Directory, "www"));
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (ExternalProcess.Run("ip", $"netns exec dof{Fleet.Hosts[0].Name} bash -c \"exec 3<>/dev/tcp/127.0.0.1/{LoopbackPort} && echo up\"",
                    check: false).Trim() != "up")
                {
                    if (DateTime.UtcNow > deadline || _server.HasExited) throw new InvalidOperationException($"http.server in host 0 did not listen: {_log}");
                    Thread.Sleep(200);
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public SshHostFixture Fleet { get; }

        public void Dispose()
        {
            if (_server is not null) ExternalProcess.Stop(_server);
            Fleet.Dispose();
        }
    }

    private readonly SshHostFixture _fleet;

    public TargetChecksTests(Hosts hosts) => _fleet = hosts.Fleet;

    private string Targets(string extra = "") => $"""
        targets:
          first:
            address: {_fleet.Hosts[0].Address}
            user: root
            identityFile: {_fleet.ClientKey}
            knownHosts: {_fleet.KnownHosts}
            labels: [web, eu]
          second:
            address: {_fleet.Hosts[1].Address}
            user: root
            identityFile: {_fleet.ClientKey}
            knownHosts: {_fleet.KnownHosts}
            labels: [web]
        {extra}
        """;

    private static async Task<(PreDeploymentReport Report, RecordingSink Sink)> RunAsync(string yaml)
    {
        using var cfg = new TempConfig(OneCheck.Header + yaml);
        var config = ConfigLoader.Load(cfg.Path);
        var sink = new RecordingSink();
        var report = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), sink, CancellationToken.None);
        return (report, sink);
    }

    private static CheckResult On(PreDeploymentReport report, string check, string host) =>
        Assert.Single(report.Results, r => r.Name == check && r.Host == host);

    [Fact(Timeout = 240_000)]
    public async Task Each_check_runs_on_every_selected_host_measures_there_and_names_the_host()
    {
        var (report, sink) = await RunAsync(Targets() + $$"""
            defaults: { checkTimeout: 60s }
            checks:
              - { name: root-disk, kind: disk, path: /, minFree: 1MB, targets: web }
              - { name: ram, kind: memory, minAvailable: 1MB, targets: ['*'] }
              - { name: whoami, kind: command, command: 'hostname -I; echo "$GREETING"', env: { GREETING: hi-there }, on: [first, second] }
              - { name: local-api, kind: http, url: 'http://127.0.0.1:{{Hosts.LoopbackPort}}/health.json', jsonPath: status, equals: ok, targets: web }
              - { name: local-port, kind: tcp, address: '127.0.0.1:{{Hosts.LoopbackPort}}', targets: web }
              - { name: operator-only, kind: disk, path: /, minFree: 1MB }
            """);

        Assert.Equal(11, report.Results.Count); // five checks on two hosts, one here
        Assert.Null(Assert.Single(report.Results, r => r.Name == "operator-only").Host);
        foreach (var host in new[] { "first", "second" })
        {
            var disk = On(report, "root-disk", host);
            Assert.Equal(CheckStatus.Passed, disk.Status);
            Assert.Equal("/", disk.Data["path"]);
            Assert.Equal($"{host}:/", disk.Target);
            var ram = On(report, "ram", host);
            Assert.Equal(CheckStatus.Passed, ram.Status);
            Assert.StartsWith(host + ":/proc/meminfo", (string)ram.Data["source"]!);
        }
        // The command ran inside each host's namespace (its own address) with the configured environment.
        for (var i = 0; i < 2; i++)
        {
            var whoami = On(report, "whoami", i == 0 ? "first" : "second");
            Assert.True(whoami.Status == CheckStatus.Passed, whoami.Message);
            Assert.Contains(_fleet.Hosts[i].Address, (string)whoami.Data["tail"]!);
            Assert.Contains("hi-there", (string)whoami.Data["tail"]!);
        }
        // 127.0.0.1 is each host's own loopback: the server runs only on the first.
        var api = On(report, "local-api", "first");
        Assert.True(api.Status == CheckStatus.Passed, api.Message);
        Assert.Equal("ok", api.Data["jsonValue"]);
        Assert.Equal(200, api.Data["statusCode"]);
        var apiSecond = On(report, "local-api", "second");
        Assert.Equal(CheckStatus.Failed, apiSecond.Status);
        Assert.Contains("from second failed", apiSecond.Message);
        Assert.Equal(CheckStatus.Passed, On(report, "local-port", "first").Status);
        var portSecond = On(report, "local-port", "second");
        Assert.Equal(CheckStatus.Failed, portSecond.Status);
        Assert.Contains("from second: connection refused", portSecond.Message);

        Assert.False(report.Passed);
        var error = report.ToError()!;
        Assert.Contains("local-api on second", error.Message);
        Assert.DoesNotContain("local-api on first", error.Message);
        Assert.Equal(11, sink.RecordsOf<CheckResult>().Count());
    }

    [Fact(Timeout = 240_000)]
    public async Task A_missing_path_a_failing_command_and_a_host_whose_key_changed_each_fail_naming_the_host()
    {
        var forged = Path.Combine(_fleet.Directory, $"forged-{Guid.NewGuid():N}");
        ExternalProcess.Run("ssh-keygen", $"-q -t ed25519 -N \"\" -f {forged}");
        File.WriteAllText(forged + ".known_hosts",
            $"{_fleet.Hosts[1].Address} {string.Join(' ', File.ReadAllText(forged + ".pub").Split(' ').Take(2))}\n");
        var (report, _) = await RunAsync(Targets($"""
              impostor:
                address: {_fleet.Hosts[1].Address}
                user: root
                identityFile: {_fleet.ClientKey}
                knownHosts: {forged}.known_hosts
            """) + "\n" + """
            defaults: { checkTimeout: 60s }
            checks:
              - { name: data-disk, kind: disk, path: /no/such/folder, minFree: 1MB, targets: first }
              - { name: fails, kind: command, command: 'echo broken >&2; exit 4', targets: second }
              - { name: ram, kind: memory, minAvailable: 1MB, targets: impostor }
            """);

        var disk = On(report, "data-disk", "first");
        Assert.Equal(CheckStatus.Failed, disk.Status);
        Assert.Equal("path /no/such/folder does not exist on first", disk.Message);
        var fails = On(report, "fails", "second");
        Assert.Equal(CheckStatus.Failed, fails.Status);
        Assert.Contains("exited with code 4, expected 0", fails.Message);
        Assert.Contains("broken", fails.Message);
        var impostor = On(report, "ram", "impostor");
        Assert.Equal(CheckStatus.Failed, impostor.Status);
        Assert.Equal(ErrorIds.TargetHostKeyRejected, impostor.Data["errorId"]);
        Assert.Contains("host impostor", impostor.Message);
    }

    [Fact(Timeout = 240_000)]
    public async Task TargetCheckParallelism_bounds_how_many_checks_run_on_targets_at_once()
    {
        // Each run holds a directory (mkdir is atomic) for two seconds; with a bound of one no two runs ever overlap,
        // on one host or across hosts. Without the bound the four runs would start together and collide.
        var lockDir = Path.Combine(_fleet.Directory, $"lock-{Guid.NewGuid():N}");
        var (report, _) = await RunAsync(Targets() + $"""
            defaults: {"{"} checkTimeout: 60s, targetCheckParallelism: 1 {"}"}
            checks:
              - {"{"} name: a, kind: command, command: 'mkdir {lockDir} || exit 9; sleep 2; rmdir {lockDir}', targets: web {"}"}
              - {"{"} name: b, kind: command, command: 'mkdir {lockDir} || exit 9; sleep 2; rmdir {lockDir}', targets: web {"}"}
            """);
        Assert.Equal(4, report.Results.Count);
        Assert.All(report.Results, r => Assert.True(r.Status == CheckStatus.Passed, $"{r.Name} on {r.Host}: {r.Message}"));
    }
}
