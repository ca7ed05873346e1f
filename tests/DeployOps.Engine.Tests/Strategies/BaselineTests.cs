using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>Invoke-Deployment -RecordOnly over slots behind a real nginx: 1.0.0 was started on blue by hand.</summary>
public sealed class BaselineTests
{
    private static Task<DeploymentRecord?> RecordAsync(DeploymentStage stage, RecordingSink sink) =>
        DeploymentBaseline.RecordAsync(stage.Load(), new DeploymentOptions { Version = DeploymentStage.InitialVersion, Strategy = DeploymentStrategy.BlueGreen },
            sink, CancellationToken.None);

    private static async Task<IReadOnlyList<DeploymentRecord>> HistoryAsync(DeploymentStage stage)
    {
        await using var store = DeploymentStore.Open(stage.Load());
        return await store.ListAsync(new HistoryQuery(), CancellationToken.None);
    }

    [Fact]
    public async Task A_blue_green_baseline_records_the_live_slot_and_the_first_deployment_rolls_back_to_it()
    {
        using var stage = new DeploymentStage();
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        var sink = new RecordingSink();

        var baseline = await RecordAsync(stage, sink);

        Assert.True(baseline!.IsBaseline);
        Assert.Equal(DeploymentOutcome.Succeeded, baseline.Outcome);
        Assert.Equal("blue", baseline.Fields[DeploymentField.ActiveSlot]);
        Assert.Equal(new[] { DeploymentBaseline.PhaseName }, baseline.Phases.Select(p => p.Name));
        Assert.Contains("live slot blue", baseline.Phases[0].Detail);
        Assert.Equal(upstream, File.ReadAllText(stage.Proxy.UpstreamFile));
        Assert.Equal("blue", stage.ActiveSlot());

        var release = await stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen, sink);
        Assert.True(release!.Outcome == DeploymentOutcome.Succeeded, release.Error);
        Assert.Equal(DeploymentStage.InitialVersion, release.PreviousVersion);
        Assert.Equal("green", stage.ActiveSlot());

        var result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { Reason = "baseline" }, sink, CancellationToken.None);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message + string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Equal(release.Id, result.DeploymentId);
        Assert.Equal(DeploymentStage.InitialVersion, result.ToVersion);
        Assert.Equal("blue", stage.ActiveSlot());
        Assert.True(await stage.Proxy.SettlesOnAsync(DeploymentStage.InitialVersion, 20));
        // The baseline itself is never a rollback target.
        var again = await Assert.ThrowsAsync<DeployOpsException>(() => RollbackEngine.RollbackAsync(stage.Load(),
            new RollbackOptions { DeploymentId = baseline.Id }, new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.RollbackNothingToUndo, again.ErrorId);
    }

    [Fact]
    public async Task WhatIf_records_nothing_and_an_upstream_without_a_live_slot_is_BaselineUnreadable()
    {
        using var stage = new DeploymentStage();
        var whatIf = RecordingSink.WhatIf();

        Assert.Null(await RecordAsync(stage, whatIf));
        var item = Assert.IsType<DeploymentPlanItem>(Assert.Single(whatIf.Records));
        Assert.Equal(DeploymentBaseline.PhaseName, item.Phase);
        Assert.Contains(item.Details, d => d.Contains("live slot blue", StringComparison.Ordinal));
        Assert.Empty(await HistoryAsync(stage));

        // An upstream file DeployOps did not write names no slot as live.
        File.WriteAllText(stage.Proxy.UpstreamFile, "upstream app { server 127.0.0.1:9; }\n");
        var unreadable = await Assert.ThrowsAsync<DeployOpsException>(() => RecordAsync(stage, new RecordingSink()));
        Assert.Equal(ErrorIds.BaselineUnreadable, unreadable.ErrorId);
        Assert.Contains("Nothing was recorded", unreadable.Message);
        Assert.Empty(await HistoryAsync(stage));
    }
}
