using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Resources;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using Xunit.Abstractions;

namespace DeployOps.Engine.Tests.Health;

/// <summary>health.resources container: against the real test dockerd, a container's figures are of its own limits.</summary>
[Collection(DockerCollection.Name)]
public sealed class ContainerResourceTests : IAsyncLifetime
{
    private const long MiB = 1 << 20;
    private readonly DockerDaemonFixture _daemon;
    private readonly DockerClient _client;
    private readonly string _name = "deployops-res-" + Guid.NewGuid().ToString("N")[..8];

    private readonly ITestOutputHelper _output;

    public ContainerResourceTests(DockerDaemonFixture daemon, ITestOutputHelper output)
    {
        _output = output;
        _daemon = daemon;
        _client = daemon.Client();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try { await _client.RemoveContainerAsync(_name, force: true, CancellationToken.None); }
        catch (DeployOpsException) { }
        _client.Dispose();
    }

    [Fact(Timeout = 180_000)]
    public async Task A_busy_container_near_its_memory_limit_reads_against_HostConfig_Memory_and_NanoCpus()
    {
        var ct = CancellationToken.None;
        // 52 MiB written to /dev/shm (tmpfs: charged to the container's cgroup, not reclaimable cache) under 64 MiB, busy under 0.2 CPU.
        await _client.CreateContainerAsync(new DockerContainerSpec
        {
            Image = DockerDaemonFixture.TestImage("1"), Name = _name, MemoryBytes = 64 * MiB, Cpus = 0.2,
            Command = new[] { "/bin/busybox", "sh", "-c", "dd if=/dev/zero of=/dev/shm/block bs=1048576 count=52 && touch /tmp/ready && while :; do :; done" },
            StopTimeout = TimeSpan.FromSeconds(1),
        }, ct);
        await _client.StartContainerAsync(_name, ct);
        await using var source = new ContainerResourceSource(_name, _daemon.Client());

        // The 52 MiB are written within a second or two; read until they show (bounded), each read one stats call.
        var reading = await source.ReadAsync(ct);
        for (var i = 0; i < 30 && reading.Signals.GetValueOrDefault(HealthSignals.MemoryPercent) < 75; i++)
            reading = await source.ReadAsync(ct);

        foreach (var note in reading.Notes) _output.WriteLine(note);
        Assert.InRange(reading.Signals[HealthSignals.MemoryPercent], 75, 100);
        Assert.Contains(reading.Notes, n => n.StartsWith($"memoryPercent ", StringComparison.Ordinal)
            && n.Contains($"of container {_name} (usage less inactive file cache)") && n.EndsWith(" of 64 MiB (container limit HostConfig.Memory)", StringComparison.Ordinal));
        Assert.InRange(reading.Signals[HealthSignals.CpuPercent], 20, 150);
        Assert.Contains(reading.Notes, n => n.StartsWith($"cpuPercent ", StringComparison.Ordinal)
            && n.EndsWith("against 0.2 CPU (container limit HostConfig.NanoCpus 200000000)", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_missing_or_stopped_container_is_unreadable_evidence_not_an_error()
    {
        var ct = CancellationToken.None;
        await using var missing = new ContainerResourceSource(_name, _daemon.Client());
        var reading = await missing.ReadAsync(ct);
        Assert.Equal($"container {_name} not found on {_client.Endpoint.Display}", reading.Unreadable[HealthSignals.MemoryPercent]);
        Assert.Empty(reading.Errors);

        await _client.CreateContainerAsync(new DockerContainerSpec { Image = DockerDaemonFixture.TestImage("1"), Name = _name }, ct);
        Assert.Equal($"container {_name} is not running (created)", (await missing.ReadAsync(ct)).Unreadable[HealthSignals.CpuPercent]);
    }
}
