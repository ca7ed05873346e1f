using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.StateStore; // not "...Tests.State": that would shadow DeployOps.Engine.State in other tests

/// <summary>Remove-DeploymentHistory as the cmdlet drives it, on the file store: refusals, -WhatIf, -Force, audit.</summary>
public sealed class RemoveHistoryCommandTests : IDisposable
{
    private readonly TempConfig _cfg = new("application: shop\nenvironment: prod\n");
    private readonly ConfigModel _config;

    public RemoveHistoryCommandTests() => _config = ConfigLoader.Load(_cfg.Path);

    private IReadOnlyList<string> Outcomes =>
        AuditLog.For(_config).ReadAll().Where(e => e.Command == "Remove-DeploymentHistory").Select(e => e.Outcome).ToList();

    private static async Task<string> FinishedAsync(IDeploymentStore store, string version, int minutesAgo, DeploymentOutcome outcome)
    {
        await using var tracker = await DeploymentTracker.StartAsync(store,
            StateTest.Start(version, DeploymentIds.New(DateTimeOffset.UtcNow.AddMinutes(-minutesAgo))), CancellationToken.None);
        await tracker.FinishAsync(outcome, null, CancellationToken.None);
        return tracker.Id;
    }

    private Task<DeploymentRecord?> RemoveAsync(string id, IOutputSink sink, bool force = false) =>
        DeploymentStateCommands.RemoveHistoryAsync(_config, new RemoveHistoryOptions { Id = id, Force = force }, sink, CancellationToken.None);

    [Fact]
    public async Task WhatIf_lists_the_files_and_changes_nothing_then_the_entry_goes_and_is_written_to_the_sink()
    {
        await using var store = DeploymentStore.Open(_config);
        var old = await FinishedAsync(store, "v1", 2, DeploymentOutcome.Failed);
        await FinishedAsync(store, "v2", 1, DeploymentOutcome.Succeeded);

        var whatIf = RecordingSink.WhatIf();
        Assert.Null(await RemoveAsync(old, whatIf));
        var (target, _) = Assert.Single(whatIf.ShouldProcessCalls);
        Assert.Contains(Path.Combine(_config.State.Directory, "deployments", old, "journal.jsonl"), target);
        Assert.Contains("version v1, Failed", target);
        Assert.NotNull(await store.GetAsync(old, CancellationToken.None));

        var sink = new RecordingSink();
        var removed = await RemoveAsync(old, sink);
        Assert.Equal(old, removed!.Id);
        Assert.Same(removed, Assert.Single(sink.Records));
        Assert.Null(await store.GetAsync(old, CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(_config.State.Directory, "deployments", old)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_config.State.Directory, "deployments"), ".removed-*"));
        Assert.Equal(new[] { "Skipped", "Succeeded" }, Outcomes);
    }

    [Fact]
    public async Task The_live_deployment_needs_Force_and_an_unknown_id_is_DeploymentNotFound()
    {
        await using var store = DeploymentStore.Open(_config);
        await FinishedAsync(store, "v1", 3, DeploymentOutcome.Succeeded);
        var live = await FinishedAsync(store, "v2", 2, DeploymentOutcome.Succeeded);
        await FinishedAsync(store, "v3", 1, DeploymentOutcome.RolledBack);

        var refused = await Assert.ThrowsAsync<DeployOpsException>(() => RemoveAsync(live, new RecordingSink()));
        Assert.Equal(ErrorIds.DeploymentIsLive, refused.ErrorId);
        Assert.Contains("-Force", refused.Message);
        Assert.NotNull(await store.GetAsync(live, CancellationToken.None));

        Assert.Equal(live, (await RemoveAsync(live, new RecordingSink(), force: true))!.Id);
        Assert.Null(await store.GetAsync(live, CancellationToken.None));

        var unknown = await Assert.ThrowsAsync<DeployOpsException>(() => RemoveAsync("20000101-000000-abcdef", new RecordingSink()));
        Assert.Equal(ErrorIds.DeploymentNotFound, unknown.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, unknown.Kind);
        Assert.Equal(new[] { "Refused", "Succeeded", ErrorIds.DeploymentNotFound }, Outcomes);
    }

    [Fact]
    public async Task A_running_deployment_is_refused_even_with_Force()
    {
        await using var store = DeploymentStore.Open(_config);
        await using var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start("v9"), CancellationToken.None);
        var refused = await Assert.ThrowsAsync<DeployOpsException>(() => RemoveAsync(tracker.Id, new RecordingSink(), force: true));
        Assert.Equal(ErrorIds.DeploymentInProgress, refused.ErrorId);
        Assert.Equal(ErrorKind.ResourceBusy, refused.Kind);
        Assert.NotEmpty(await store.ReadJournalAsync(tracker.Id, CancellationToken.None));
        Assert.Equal(new[] { "Refused" }, Outcomes);
    }

    public void Dispose() => _cfg.Dispose();
}
