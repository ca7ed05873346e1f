using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Tests.StateStore;

/// <summary>Remove-DeploymentHistory's store half, on both stores.</summary>
public abstract partial class DeploymentStoreContract
{
    private static async Task<string> FinishedAsync(IDeploymentStore store, string version, int minutesAgo, DeploymentOutcome outcome)
    {
        await using var tracker = await DeploymentTracker.StartAsync(store,
            StateTest.Start(version, DeploymentIds.New(DateTimeOffset.UtcNow.AddMinutes(-minutesAgo))), CancellationToken.None);
        await tracker.FinishAsync(outcome, null, CancellationToken.None);
        return tracker.Id;
    }

    [Fact]
    public async Task Removing_a_history_entry_deletes_its_journal_and_record_and_leaves_the_others()
    {
        await using var store = OpenStore();
        var old = await FinishedAsync(store, "v1", 3, DeploymentOutcome.Failed);
        var kept = await FinishedAsync(store, "v2", 2, DeploymentOutcome.Succeeded);

        var items = await store.DescribeHistoryAsync(old, CancellationToken.None);
        Assert.NotEmpty(items);
        Assert.Empty(await store.DescribeHistoryAsync("20000101-000000-abcdef", CancellationToken.None));

        await store.RemoveHistoryAsync(old, CancellationToken.None);

        Assert.Null(await store.GetAsync(old, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<DeployOpsException>(() => store.ReadJournalAsync(old, CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentNotFound, missing.ErrorId);
        Assert.Equal(new[] { kept }, (await store.ListAsync(new HistoryQuery(), CancellationToken.None)).Select(r => r.Id));
        Assert.Equal(DeploymentOutcome.Succeeded, (await store.GetAsync(kept, CancellationToken.None))!.Outcome);

        var again = await Assert.ThrowsAsync<DeployOpsException>(() => store.RemoveHistoryAsync(old, CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentNotFound, again.ErrorId);

        // A new deployment after the removal is listed as usual (the file store's index keeps a skipped line).
        var next = await FinishedAsync(store, "v3", 1, DeploymentOutcome.Succeeded);
        Assert.Equal(new[] { next, kept }, (await store.ListAsync(new HistoryQuery(), CancellationToken.None)).Select(r => r.Id));
    }

    [Fact]
    public async Task Another_application_cannot_remove_a_deployment_it_does_not_own()
    {
        await using var store = OpenStore();
        var id = await FinishedAsync(store, "v1", 1, DeploymentOutcome.Succeeded);
        await using var other = OpenStore(app: "other-app");
        Assert.Empty(await other.DescribeHistoryAsync(id, CancellationToken.None));
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => other.RemoveHistoryAsync(id, CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentNotFound, error.ErrorId);
        Assert.NotNull(await store.GetAsync(id, CancellationToken.None));
        Assert.NotEmpty(await store.ReadJournalAsync(id, CancellationToken.None));
    }
}
