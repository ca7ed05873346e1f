using System.Diagnostics;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// kill -9 of a real deploying process (tests/DeployOps.DeployProbe) inside every blue-green phase, then
/// Resume-Deployment in this process: the journal shows Interrupted with the last completed phase, traffic never
/// points at an unverified slot, and the resumed deployment finishes with all traffic on the new version.
/// </summary>
public sealed class CrashSafetyTests
{
    private static string ProbeDll => Path.Combine(AppContext.BaseDirectory, "DeployOps.DeployProbe.dll");

    private static int RunProbeUntilKilled(string config, string version, string killAt)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { ProbeDll, config, version, "BlueGreen", killAt }) psi.ArgumentList.Add(a);
        using var probe = Process.Start(psi)!;
        var stderr = probe.StandardError.ReadToEndAsync();
        _ = probe.StandardOutput.ReadToEndAsync();
        Assert.True(probe.WaitForExit(90_000), "the deploy probe did not end");
        Assert.True(probe.ExitCode == 137, $"expected the probe to die by SIGKILL at {killAt}, exit code {probe.ExitCode}: {stderr.Result}");
        return probe.Id;
    }

    [Fact]
    public async Task A_deployment_killed_in_any_phase_is_interrupted_and_resumes_to_completion()
    {
        using var stage = new DeploymentStage();
        var cases = new[]
        {
            // (kill point, last completed phase, where traffic must be while interrupted) — slot names filled per round.
            ("deploy:{new}#3", (string?)null, "{old}"),    // after stop and install ran, before start
            ("verify:{new}", "deploy:{new}", "{old}"),
            ("traffic:{new}", "verify:{new}", "{old}"),    // just before the upstream file is written
            ("post-verify", "traffic:{new}", "{new}"),
        };
        var old = "blue";
        for (var round = 0; round < cases.Length; round++)
        {
            var (killAt, lastCompleted, trafficOn) = cases[round];
            var next = old == "blue" ? "green" : "blue";
            string Fill(string s) => s.Replace("{new}", next).Replace("{old}", old);
            var version = $"2.0.{round}";

            RunProbeUntilKilled(stage.ConfigPath, version, Fill(killAt));

            await using (var store = DeploymentStore.Open(stage.Load()))
            {
                var interrupted = Assert.Single(await store.FindInterruptedAsync(CancellationToken.None));
                Assert.Equal(version, interrupted.Version);
                Assert.Equal(lastCompleted is null ? null : Fill(lastCompleted), interrupted.LastCompletedPhase);
                Assert.Null(await store.GetLockAsync(CancellationToken.None) is { IsStale: false } held ? held : null);
            }
            Assert.Equal(Fill(trafficOn), stage.ActiveSlot());

            var resumed = await DeploymentEngine.ResumeAsync(stage.Load(), new ResumeDeploymentOptions(), new RecordingSink(), CancellationToken.None);

            Assert.True(resumed!.Outcome == DeploymentOutcome.Succeeded, $"round {round} ({Fill(killAt)}): {resumed.Error}");
            Assert.Equal(version, resumed.Version);
            Assert.Equal(next, stage.ActiveSlot());
            Assert.Equal(20, (await stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault(version));
            old = next;
        }
    }
}
