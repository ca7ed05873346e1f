using DeployOps.Engine.Hosting;
using DeployOps.Engine.Processes;
using DeployOps.Engine.Targets;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Targets;

/// <summary>
/// Steps on a remote target through the one process primitive, against real sshd in network namespaces: the same
/// argument vector and environment, exit codes and tails, cancellation that leaves nothing running on the host, and
/// ssh's own failures (changed host key, host off the network) named as such.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshTransportTests : IClassFixture<SshTransportTests.Hosts>
{
    public sealed class Hosts : IDisposable
    {
        public SshHostFixture Fleet { get; } = new(2);
        public void Dispose() => Fleet.Dispose();
    }

    private readonly SshHostFixture _fleet;

    public SshTransportTests(Hosts hosts) => _fleet = hosts.Fleet;

    private ChildProcessSpec Remote(int host, string command, Dictionary<string, string?>? environment = null, TimeSpan? timeout = null,
        SshTarget? target = null) => new()
    {
        FileName = "/bin/bash",
        Arguments = new[] { "-c", command },
        Remote = target ?? _fleet.Target(host),
        Environment = environment ?? new Dictionary<string, string?>(),
        Timeout = timeout ?? TimeSpan.FromSeconds(60),
    };

    [Fact(Timeout = 120_000)]
    public async Task A_remote_command_gets_its_arguments_and_environment_verbatim_and_nothing_else()
    {
        var tricky = "it's \"quoted\" $HOME `id` ; rm -rf / \\ end";
        var result = await ChildProcess.RunAsync(Remote(0,
            "printf '%s\\n' \"$VALUE\"; hostname -I; env | sort | cut -d= -f1 | tr '\\n' ' '; exit 7",
            new() { ["VALUE"] = tricky }), null, CancellationToken.None);

        Assert.Equal(7, result.ExitCode);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(tricky, lines[0]);
        Assert.Contains(_fleet.Hosts[0].Address, lines[1]); // it ran inside that host's namespace
        // A minimal environment: the spec's variables plus PATH, HOME, USER, LANG (and what bash sets itself).
        var names = lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Assert.Contains("VALUE", names);
        Assert.DoesNotContain("DEPLOYOPS_SUPERVISOR", names);
        Assert.DoesNotContain("SSH_CONNECTION", names);
        Assert.Empty(names.Except(new[] { "VALUE", "PATH", "HOME", "USER", "LANG", "PWD", "SHLVL", "_", "OLDPWD" }));
    }

    [Fact(Timeout = 120_000)]
    public async Task The_environment_never_appears_on_a_command_line()
    {
        var secret = "s3cret-" + Guid.NewGuid().ToString("N");
        var result = await ChildProcess.RunAsync(Remote(0, "cat /proc/$PPID/cmdline /proc/$$/cmdline | tr '\\0' ' '; echo; echo ${#SECRET}",
            new() { ["SECRET"] = secret }), null, CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain(secret, result.Output);
        Assert.Contains(secret.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Output);
    }

    [Fact(Timeout = 120_000)]
    public async Task Cancelling_a_remote_step_ends_its_whole_process_group_on_the_host()
    {
        var marker = Path.Combine(_fleet.Directory, $"pids-{Guid.NewGuid():N}");
        using var cts = new CancellationTokenSource();
        var run = ChildProcess.RunAsync(Remote(1, $"sleep 300 & echo $! > {marker}.tmp; mv {marker}.tmp {marker}; sleep 301"), null, cts.Token);
        // The namespaces share this machine's pid namespace and file system: the remote pid is visible here.
        var pid = await ReadPidAsync(marker);
        Assert.True(Alive(pid));
        cts.Cancel();
        await Assert.ThrowsAsync<ChildProcessCanceledException>(() => run);
        Assert.True(await GoneAsync(pid), $"remote sleep {pid} still runs after the cancel");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_timeout_ends_the_remote_group_and_reports_timed_out()
    {
        var marker = Path.Combine(_fleet.Directory, $"pids-{Guid.NewGuid():N}");
        var result = await ChildProcess.RunAsync(Remote(1, $"echo $$ > {marker}.tmp; mv {marker}.tmp {marker}; echo started; sleep 300",
            timeout: TimeSpan.FromSeconds(3)), null, CancellationToken.None);
        Assert.True(result.TimedOut);
        Assert.Contains("started", result.TailText);
        Assert.True(await GoneAsync(int.Parse(File.ReadAllText(marker).Trim(), System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_changed_host_key_is_refused_and_named()
    {
        // known_hosts claims another key for host 0's address: what a replaced (or impersonated) host looks like.
        var forged = Path.Combine(_fleet.Directory, $"forged-{Guid.NewGuid():N}");
        ExternalProcess.Run("ssh-keygen", $"-q -t ed25519 -N \"\" -f {forged}");
        var knownHosts = forged + ".known_hosts";
        File.WriteAllText(knownHosts, $"{_fleet.Hosts[0].Address} {string.Join(' ', File.ReadAllText(forged + ".pub").Split(' ').Take(2))}\n");
        var target = _fleet.Target(0, knownHosts);

        var result = await ChildProcess.RunAsync(Remote(0, "echo should-not-run", target: target), null, CancellationToken.None);

        Assert.Equal(SshTransport.SshFailureExitCode, result.ExitCode);
        Assert.DoesNotContain("should-not-run", result.Output);
        var error = RemoteFailure.Classify(target, result);
        Assert.NotNull(error);
        Assert.Equal(ErrorIds.TargetHostKeyRejected, error.ErrorId);
        Assert.Equal(target.Name, error.Target);
        Assert.Contains(target.Name, error.Message);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_remote_command_failing_with_its_own_code_is_not_an_ssh_failure()
    {
        var result = await ChildProcess.RunAsync(Remote(0, "echo fine; exit 3"), null, CancellationToken.None);
        Assert.Equal(3, result.ExitCode);
        Assert.Null(await RemoteFailure.ClassifyAsync(_fleet.Target(0), result, CancellationToken.None));
        var own255 = await ChildProcess.RunAsync(Remote(0, "exit 255"), null, CancellationToken.None);
        Assert.Null(await RemoteFailure.ClassifyAsync(_fleet.Target(0), own255, CancellationToken.None)); // the host still answers
    }

    [Fact(Timeout = 120_000)]
    public async Task A_host_dropping_off_the_network_mid_step_is_named_unreachable_within_seconds()
    {
        var target = _fleet.Target(1);
        var run = ChildProcess.RunAsync(Remote(1, "echo up; sleep 120"), null, CancellationToken.None);
        await Task.Delay(1500);
        _fleet.Link(1, up: false);
        try
        {
            // ServerAliveInterval 2 s x 3: ssh gives up after about 6 s, far below the step's 60 s timeout.
            var result = await run;
            Assert.False(result.TimedOut);
            var error = await RemoteFailure.ClassifyAsync(target, result, CancellationToken.None);
            Assert.True(error is not null, $"exit {result.ExitCode}: {result.Output}");
            Assert.Equal(ErrorIds.TargetUnreachable, error.ErrorId);
            Assert.Contains(target.Name, error.Message);

            var again = await ChildProcess.RunAsync(Remote(1, "echo never"), null, CancellationToken.None);
            Assert.Equal(ErrorIds.TargetUnreachable, (await RemoteFailure.ClassifyAsync(target, again, CancellationToken.None))?.ErrorId);
        }
        finally
        {
            _fleet.Link(1, up: true);
        }
        var back = await ChildProcess.RunAsync(Remote(1, "echo back"), null, CancellationToken.None);
        Assert.Equal(0, back.ExitCode);
    }

    private static bool Alive(int pid) => ProcessGroup.Stat(pid) is not null;

    private static async Task<bool> GoneAsync(int pid)
    {
        for (var i = 0; i < 200; i++)
        {
            if (!Alive(pid)) return true;
            await Task.Delay(50);
        }
        return false;
    }

    private static async Task<int> ReadPidAsync(string path)
    {
        for (var i = 0; i < 600; i++)
        {
            if (File.Exists(path)) return int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await Task.Delay(50);
        }
        throw new TimeoutException($"{path} was never written");
    }
}
