using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Tests.StateStore;

/// <summary>Switch-DeploymentTraffic's history entries, on both stores: listed only when asked for.</summary>
public abstract partial class DeploymentStoreContract
{
    private static readonly Dictionary<string, string> SwitchChange = new()
    {
        [DeploymentField.Reason] = "green misbehaves",
        [DeploymentField.ChangeTicket] = "CHG-123",
    };

    [Fact]
    public async Task A_traffic_switch_is_a_history_entry_only_for_readers_that_ask_for_switches()
    {
        await using var store = OpenStore();
        var deployed = await FinishedAsync(store, "v7", 3, DeploymentOutcome.Succeeded);
        string switched;
        await using (var tracker = await TrafficSwitchHistory.StartAsync(store, "green", "blue", SwitchChange, CancellationToken.None))
        {
            switched = tracker.Id;
            // It holds the deployment lock while it switches: no deployment can start meanwhile.
            var locked = await Assert.ThrowsAsync<DeployOpsException>(() => store.AcquireLockAsync("deploy-now", CancellationToken.None));
            Assert.Equal(ErrorIds.DeploymentLocked, locked.ErrorId);
            await tracker.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None);
        }

        var entry = (await store.ListAsync(new HistoryQuery { Last = 1, IncludeTrafficSwitches = true }, CancellationToken.None)).Single();
        Assert.Equal(switched, entry.Id);
        Assert.StartsWith(TrafficSwitchHistory.IdPrefix, entry.Id);
        Assert.Equal(DeploymentKind.TrafficSwitch, entry.Kind);
        Assert.Equal(DeploymentRecord.TrafficSwitchStrategy, entry.Strategy);
        Assert.Equal(("green", "blue"), (entry.FromSlot, entry.ToSlot));
        Assert.Equal(("green misbehaves", "CHG-123"), (entry.Reason, entry.ChangeTicket));
        Assert.Equal(DeploymentOutcome.Succeeded, entry.Outcome);
        Assert.Equal(OperatorIdentity.Current.User, entry.User);
        Assert.NotNull(entry.End);
        Assert.Equal(entry, await store.GetAsync(switched, CancellationToken.None), RecordIds.Instance);

        // Every other reader (previous version, rollback target, recovery) sees the deployment as the newest entry.
        Assert.Equal(deployed, (await store.ListAsync(new HistoryQuery { Last = 1 }, CancellationToken.None)).Single().Id);
        Assert.Equal(deployed, (await store.ListAsync(new HistoryQuery
            { Last = 1, Outcomes = new[] { DeploymentOutcome.Succeeded } }, CancellationToken.None)).Single().Id);
        Assert.Equal(DeploymentKind.Deployment, (await store.GetAsync(deployed, CancellationToken.None))!.Kind);
        Assert.Equal(new[] { switched, deployed },
            (await store.ListAsync(new HistoryQuery { IncludeTrafficSwitches = true }, CancellationToken.None)).Select(r => r.Id));
    }

    [Fact]
    public async Task An_unfinished_traffic_switch_is_interrupted_but_never_offered_for_resume()
    {
        await using var store = OpenStore();
        string id;
        await using (var tracker = await TrafficSwitchHistory.StartAsync(store, null, "green", new Dictionary<string, string>(), CancellationToken.None))
            id = tracker.Id; // disposed without FinishAsync, as when the router step threw something unexpected

        var entry = (await store.GetAsync(id, CancellationToken.None))!;
        Assert.Equal((DeploymentKind.TrafficSwitch, DeploymentOutcome.Interrupted), (entry.Kind, entry.Outcome));
        Assert.Null(entry.FromSlot);
        Assert.Empty(await store.FindInterruptedAsync(CancellationToken.None));
        Assert.Single(await store.ListAsync(new HistoryQuery
            { IncludeTrafficSwitches = true, Outcomes = new[] { DeploymentOutcome.Interrupted } }, CancellationToken.None));
        Assert.Null((await store.GetLockAsync(CancellationToken.None)));
    }

    private sealed class RecordIds : IEqualityComparer<DeploymentRecord?>
    {
        public static readonly RecordIds Instance = new();
        public bool Equals(DeploymentRecord? x, DeploymentRecord? y) => x?.Id == y?.Id && x?.Kind == y?.Kind && x?.ToSlot == y?.ToSlot;
        public int GetHashCode(DeploymentRecord? obj) => obj?.Id.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
