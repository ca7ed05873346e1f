using System.Diagnostics;
using System.Text;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Processes;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using Xunit.Abstractions;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// kill -9 of a real deploying process (tests/DeployOps.DeployProbe) in the middle of a step that ignores SIGTERM and
/// sleeps, after its supervisor was killed too (the worst case: nothing of ours is left to end the step), then the next
/// deployment of the same target (or Resume-Deployment of the killed one): it ends the dead one's process group before
/// its own first step, journals what it found, and steps.log never shows two runs' steps at the same time. File and
/// PostgreSQL stores.
/// </summary>
[Collection(PostgresCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OrphanedStepTests
{
    private static string ProbeDll => Path.Combine(AppContext.BaseDirectory, "DeployOps.DeployProbe.dll");
    private readonly PostgresFixture _pg;
    private readonly ITestOutputHelper _output;

    public OrphanedStepTests(PostgresFixture pg, ITestOutputHelper output)
    {
        _pg = pg;
        _output = output;
    }

    // The victim (the first run) writes its group id, then sleeps deaf to TERM. The next run first records whether any
    // process of that group is still alive (zombies are dead: this machine's pid 1 may never reap them): "overlap" in
    // steps.log is the defect.
    private const string StepCommand =
        "trap '' TERM; echo \"start $DEPLOYOPS_VERSION\" >> steps.log; " +
        "if [ ! -e victim.pgid ]; then cut -d' ' -f5 /proc/$$/stat > victim.pgid; sleep 60; " +
        "elif ps -eo pgid=,stat= | awk -v g=\"$(cat victim.pgid)\" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; " +
        "then echo overlap >> steps.log; fi; " +
        "echo \"end $DEPLOYOPS_VERSION\" >> steps.log";

    [Theory]
    [InlineData("file", false)]
    [InlineData("postgres", false)]
    [InlineData("file", true)]
    public async Task The_next_deployment_ends_the_killed_ones_step_group_before_its_own_steps(string store, bool resume)
    {
        using var http = new LoopbackHttpServer().Route("/health", new CannedResponse(200, "ok", "text/plain"));
        using var temp = new TempConfig(Yaml(store, http.Port));
        if (store == "postgres") File.WriteAllText(Path.Combine(temp.Directory, "pg.secret"), PostgresFixture.Password);
        var stepsLog = Path.Combine(temp.Directory, "steps.log");

        var probe = StartProbe(temp.Path);
        try
        {
            var pgid = await WaitForVictimAsync(temp.Directory, probe);
            Assert.NotEmpty(ProcessGroup.Members(pgid));
            ExternalProcess.Kill(probe.Id, 19); // SIGSTOP: it journals nothing more while its supervisor goes
            KillSupervisors(pgid); // only the step itself (bash + sleep) is left: nothing of ours would end it
            ExternalProcess.Kill(probe.Id, 9);
            Assert.True(probe.WaitForExit(30_000));
            var killed = Stopwatch.StartNew();
            Assert.NotEmpty(ProcessGroup.Members(pgid));

            var config = ConfigLoader.Load(temp.Path);
            var next = resume
                ? await DeploymentEngine.ResumeAsync(config, new ResumeDeploymentOptions(), new RecordingSink(), CancellationToken.None)
                : await DeploymentEngine.InvokeAsync(config, new DeploymentOptions
                {
                    // -Force: the killed deployment is Interrupted, which blocks a new one (InterruptedDeploymentPending).
                    Version = "2.0.0", Strategy = DeploymentStrategy.Hotfix, NoBackup = true, Force = true,
                }, new RecordingSink(), CancellationToken.None);
            _output.WriteLine($"{store}{(resume ? " resume" : "")}: kill -9 -> next deployment finished in {killed.ElapsedMilliseconds} ms");

            Assert.True(next!.Outcome == DeploymentOutcome.Succeeded, next.Error);
            var version = resume ? "1.0.0" : "2.0.0";
            Assert.Equal(new[] { "start 1.0.0", $"start {version}", $"end {version}" }, File.ReadAllLines(stepsLog));
            Assert.Empty(ProcessGroup.Members(pgid));

            await using var states = DeploymentStore.Open(config);
            var journal = await states.ReadJournalAsync(next.Id, CancellationToken.None);
            var check = Assert.Single(journal, e => e.Kind == JournalEventKind.LeftoversChecked);
            Assert.True(int.Parse(check.Data["found"]) >= 2, check.Detail); // the step's bash and its sleep
            Assert.Contains($":{pgid}", check.Data["ended"]);
            Assert.Contains($":{pgid}", check.Data["killed"]); // it ignored TERM
            var resumedAt = journal.LastOrDefault(e => e.Kind == JournalEventKind.Resumed)?.Sequence ?? 0;
            Assert.True(check.Sequence > resumedAt && check.Sequence < journal.First(e => e.Kind == JournalEventKind.ProcessStarted && e.Sequence > resumedAt).Sequence,
                "leftovers must be checked before the first step starts");
            var victimJournal = resume ? journal
                : await states.ReadJournalAsync((await states.FindInterruptedAsync(CancellationToken.None)).Single().Id, CancellationToken.None);
            Assert.Contains(victimJournal, e => e.Kind == JournalEventKind.ProcessStarted && e.Data["pgid"] == pgid.ToString());
        }
        finally
        {
            if (!probe.HasExited) ExternalProcess.Kill(probe.Id, 9);
            probe.Dispose();
        }
    }

    private string Yaml(string store, int port) => $$"""
        application: orphan{{Guid.NewGuid().ToString("N")[..8]}}
        environment: test
        {{(store == "postgres"
            ? $"state:\n  store: postgres\n  postgres:\n    host: 127.0.0.1\n    port: {_pg.Port}\n    database: postgres\n    username: {PostgresFixture.User}\n    password: ${{file:pg.secret}}"
            : "")}}
        deployment:
          instances:
            - { name: web1, host: 127.0.0.1, port: {{port}} }
          readiness: { timeout: 10s, interval: 100ms }
          steps:
            start:
              - name: slow migration
                command: '{{StepCommand.Replace("'", "''")}}'
                timeout: 2m
        """;

    private Task<string> _probeErrors = Task.FromResult("");

    private Process StartProbe(string config)
    {
        // "never": a phase no Hotfix has, so the probe runs until we kill it.
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { ProbeDll, config, "1.0.0", "Hotfix", "never" }) psi.ArgumentList.Add(a);
        var probe = Process.Start(psi)!;
        _ = probe.StandardOutput.ReadToEndAsync();
        _probeErrors = probe.StandardError.ReadToEndAsync();
        return probe;
    }

    private async Task<int> WaitForVictimAsync(string directory, Process probe)
    {
        var file = Path.Combine(directory, "victim.pgid");
        for (var i = 0; i < 1200; i++)
        {
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pgid)) return pgid;
            if (probe.HasExited) throw new InvalidOperationException($"the probe exited {probe.ExitCode} before its step started: {_probeErrors.Result}");
            await Task.Delay(50);
        }
        throw new TimeoutException("the victim's step never started");
    }

    private static void KillSupervisors(int pgid)
    {
        foreach (var (pid, _) in ProcessGroup.Members(pgid))
        {
            string cmdline;
            try { cmdline = Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/cmdline")); }
            catch (IOException) { continue; }
            if (cmdline.Contains("deployops-supervisor", StringComparison.Ordinal)) ExternalProcess.Kill(pid, 9);
        }
    }
}
