using System.Text.RegularExpressions;
using Xunit.Abstractions;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// Every canary step is confirmed through the router (real nginx or haproxy) after its weight change: requests all
/// reach a backend and both versions answer, with the figures on the step's record; a router that no longer reaches
/// the canary after the step fails it and the canary goes back to 0 %, as a failing gate does.
/// </summary>
public sealed class CanaryRouterCheckTests(ITestOutputHelper output)
{
    public static TheoryData<string> Routers => new() { "nginx", "haproxy" };

    private const string Canary = "canary:\n  steps: [5, 50]\n  pause: 300ms\n  gate: { sampleInterval: 100ms, maxErrorRate: 5% }";

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(Routers))]
    public async Task Each_weight_step_is_confirmed_through_the_router_with_per_version_counts(string router)
    {
        var (stage, haproxy) = Stage(router);
        using var _ = stage;
        using var __ = haproxy;
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Canary, sink);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        foreach (var (phase, canaryShare) in new[] { ("canary:5%", 5), ("canary:50%", 50), ("canary:100%", 100) })
        {
            var detail = record.Phases.Single(p => p.Name == phase).Detail ?? "";
            output.WriteLine($"{router} {phase}: {detail}");
            var check = Figures(detail);
            Assert.True(check.Failed == 0, detail);
            Assert.True(check.Requests >= 20, detail); // traffic.verifyRequests, the default
            Assert.Equal(check.Requests, check.Answers.Values.Sum());
            Assert.True(check.Answers.GetValueOrDefault("2.0.0") > 0, detail);
            if (canaryShare == 100) Assert.False(check.Answers.ContainsKey("1.0.0"), detail);
            else Assert.True(check.Answers.GetValueOrDefault("1.0.0") > 0, detail);
            if (canaryShare == 5) Assert.True(check.Answers["1.0.0"] > check.Answers["2.0.0"], detail);
            Assert.Contains(sink.Verbose, v => v.StartsWith($"[{phase}] router check: ", StringComparison.Ordinal));
        }
    }

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(Routers))]
    public async Task A_canary_killed_after_its_weight_change_fails_the_step_and_goes_back_to_zero(string router)
    {
        var (stage, haproxy) = Stage(router);
        using var _ = stage;
        using var __ = haproxy;
        // The step's router check announces itself (Write-Progress) after the move was confirmed: kill the canary then.
        var sink = new KillingSink(progress => progress.Activity == "canary:5%" && progress.Status.StartsWith("router check", StringComparison.Ordinal),
            () => ExternalProcess.Run("/bin/bash", $"{Path.Combine(stage.Directory, "app.sh")} stop green", workingDirectory: stage.Directory));

        var record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0.0", Strategy = DeploymentStrategy.Canary },
            sink, CancellationToken.None);

        Assert.Equal(1, sink.Fired);
        output.WriteLine($"{router}: {record!.Error}");
        Assert.True(record!.Outcome == DeploymentOutcome.RolledBack, record.Error);
        var error = Assert.Single(sink.Inner.Errors);
        Assert.Equal(ErrorIds.DeploymentVerificationFailed, error.ErrorId);
        Assert.Contains("canary:5%", error.Message);
        Assert.Matches(@"router check: \d+ of \d+ request\(s\)", error.Message);
        Assert.Equal(PhaseStatus.Failed, record.Phases.Single(p => p.Name == "canary:5%").Status);
        Assert.DoesNotContain(record.Phases, p => p.Name == "gate:5%" && p.Status == PhaseStatus.Succeeded);
        var counts = await (haproxy?.CountVersionsAsync(20) ?? stage.Proxy.CountVersionsAsync(20));
        Assert.True(counts.GetValueOrDefault("1.0.0") == 20, NginxStage.Show(counts));
    }

    private sealed record CheckFigures(int Requests, int Failed, Dictionary<string, int> Answers);

    /// <summary>Reads "router check: F of N request(s) through URL failed…; answered by 'v' xN, …" from a phase detail.</summary>
    private static CheckFigures Figures(string detail)
    {
        var match = Regex.Match(detail, @"router check: (\d+) of (\d+) request\(s\) through \S+ failed[^;]*; answered by (.*)$");
        Assert.True(match.Success, detail);
        var answers = Regex.Matches(match.Groups[3].Value, @"'([^']+)' x(\d+)").ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));
        return new CheckFigures(int.Parse(match.Groups[2].Value), int.Parse(match.Groups[1].Value), answers);
    }

    /// <summary>Blue (1.0.0) live behind the stage's nginx, or behind a haproxy in front of the same slots.</summary>
    private static (DeploymentStage Stage, HaproxyStage? Haproxy) Stage(string router)
    {
        if (router != "haproxy") return (new DeploymentStage(extraDeployment: Canary), null);
        var port = FreePort.Next();
        var stage = new DeploymentStage(extraDeployment: Canary, verify:
            $"- name: haproxy serves the new version\n  http: {{ url: \"http://127.0.0.1:{port}/version\", expectJson: {{ version: \"{{version}}\" }} }}");
        return (stage, HaproxyDeploymentTests.UseHaproxy(stage, port));
    }

    /// <summary>Records like <see cref="RecordingSink"/> and runs <paramref name="act"/> once, on the first matching progress update.</summary>
    private sealed class KillingSink(Func<ProgressUpdate, bool> when, Action act) : IOutputSink
    {
        public RecordingSink Inner { get; } = new();
        public int Fired;

        public void WriteProgress(ProgressUpdate progress)
        {
            Inner.WriteProgress(progress);
            if (when(progress) && Interlocked.Increment(ref Fired) == 1) act();
        }

        public void WriteRecord(object record) => Inner.WriteRecord(record);
        public void WriteVerbose(string message) => Inner.WriteVerbose(message);
        public void WriteWarning(string message) => Inner.WriteWarning(message);
        public void WriteError(DeployOpsError error) => Inner.WriteError(error);
        public bool ShouldProcess(string target, string action) => Inner.ShouldProcess(target, action);
        public bool IsDryRun => false;
    }
}
