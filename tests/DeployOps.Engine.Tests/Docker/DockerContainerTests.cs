using System.Net.Http;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Docker;

[Collection(DockerCollection.Name)]
public sealed class DockerContainerTests : IAsyncLifetime
{
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(300);
    private readonly DockerClient _client;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _created = new();

    public DockerContainerTests(DockerDaemonFixture daemon) => _client = daemon.Client();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var id in _created)
        {
            try { await _client.RemoveContainerAsync(id, force: true, CancellationToken.None); }
            catch (DeployOpsException) { }
        }
        _client.Dispose();
    }

    private async Task<string> CreateAsync(DockerContainerSpec spec)
    {
        var created = await _client.CreateContainerAsync(spec, CancellationToken.None);
        _created.Add(created.ID);
        return created.ID;
    }

    private DockerContainerSpec WebServer(string version, int port, int healthPort) => new()
    {
        Image = DockerDaemonFixture.TestImage(version),
        Name = $"deployops-web-{_run}-{version}",
        Environment = new Dictionary<string, string> { ["PORT"] = port.ToString() },
        Labels = new Dictionary<string, string> { ["deployops.app"] = "web-" + _run, ["deployops.version"] = version },
        Healthcheck = DockerHealthcheck.Exec(new[] { "/bin/busybox", "wget", "-q", "-O-", $"http://127.0.0.1:{healthPort}/version" },
            Fast, TimeSpan.FromSeconds(2), retries: 2),
        RestartPolicy = DockerRestartPolicy.OnFailure,
        RestartMaxRetries = 3,
        MemoryBytes = 64L * 1024 * 1024,
        Cpus = 0.5,
        StopTimeout = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public async Task A_container_becomes_healthy_serves_on_the_host_network_logs_and_is_stopped_and_removed()
    {
        var ct = CancellationToken.None;
        var port = FreePort.Next();
        var spec = WebServer("2", port, port);
        var id = await CreateAsync(spec);

        var created = await _client.InspectContainerAsync(id, ct);
        Assert.Equal("host", created.HostConfig!.NetworkMode);
        Assert.Equal(global::Docker.DotNet.Models.RestartPolicyKind.OnFailure, created.HostConfig.RestartPolicy!.Name);
        Assert.Equal(3, created.HostConfig.RestartPolicy.MaximumRetryCount);
        Assert.Equal(64L * 1024 * 1024, created.HostConfig.Memory);
        Assert.Equal(500_000_000, created.HostConfig.NanoCPUs);
        Assert.Contains($"PORT={port}", created.Config!.Env!);
        Assert.Equal("2", created.Config.Labels!["deployops.version"]);
        Assert.Equal(spec.Name, created.ShortName());

        await _client.StartContainerAsync(id, ct);
        await _client.StartContainerAsync(id, ct); // already running: not an error
        var settled = await _client.WaitForHealthAsync(id, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100), ct);
        Assert.True(settled.State!.Running);
        Assert.Equal("healthy", settled.HealthStatus());

        using (var http = new HttpClient())
            Assert.Equal("2\n", await http.GetStringAsync($"http://127.0.0.1:{port}/version", ct));

        var listed = await _client.ListContainersAsync(new Dictionary<string, string?> { ["deployops.app"] = "web-" + _run }, all: false, ct);
        Assert.Equal(id, Assert.Single(listed).ID);
        Assert.Equal(spec.Name, listed[0].Name());
        Assert.Equal("running", listed[0].State);

        await _client.StopContainerAsync(id, TimeSpan.FromSeconds(2), ct);
        var stopped = await _client.InspectContainerAsync(id, ct);
        Assert.False(stopped.State!.Running);
        Assert.Equal("exited", stopped.State.Status);
        await _client.StopContainerAsync(id, TimeSpan.FromSeconds(2), ct); // already stopped: not an error
        Assert.Empty(await _client.ListContainersAsync(new Dictionary<string, string?> { ["deployops.app"] = "web-" + _run }, all: false, ct));
        Assert.Single(await _client.ListContainersAsync(new Dictionary<string, string?> { ["deployops.app"] = null }, all: true, ct),
            c => c.ID == id);

        await _client.RemoveContainerAsync(id, force: false, ct);
        Assert.Null(await _client.TryInspectContainerAsync(id, ct));
        var gone = await Assert.ThrowsAsync<DockerApiException>(() => _client.StartContainerAsync(id, ct));
        Assert.Equal(ErrorIds.DockerContainerNotFound, gone.ErrorId);
    }

    [Fact]
    public async Task Logs_tail_returns_the_last_lines_of_stdout_and_stderr_separately()
    {
        var ct = CancellationToken.None;
        var id = await CreateAsync(new DockerContainerSpec
        {
            Image = DockerDaemonFixture.TestImage("1"),
            Name = $"deployops-logs-{_run}",
            // The daemon copies stdout and stderr concurrently: the pause keeps their order in the log deterministic.
            Command = new[] { "/bin/sh", "-c", "for i in 1 2 3 4 5; do echo out-$i; done; sleep 1; echo err-1 >&2; sleep 30" },
        });
        await _client.StartContainerAsync(id, ct);
        IReadOnlyList<DockerLogLine> lines = Array.Empty<DockerLogLine>();
        for (var i = 0; i < 100 && !lines.Any(l => l.Stream == DockerLogStream.Stderr); i++)
        {
            await Task.Delay(100, ct);
            lines = await _client.LogsAsync(id, 3, ct);
        }
        Assert.Equal(3, lines.Count);
        Assert.Contains(new DockerLogLine(DockerLogStream.Stdout, "out-4"), lines);
        Assert.Contains(new DockerLogLine(DockerLogStream.Stdout, "out-5"), lines);
        Assert.Contains(new DockerLogLine(DockerLogStream.Stderr, "err-1"), lines);
        await _client.RemoveContainerAsync(id, force: true, ct); // force kills the running container
        Assert.Null(await _client.TryInspectContainerAsync(id, ct));
    }

    [Fact]
    public async Task A_container_whose_healthcheck_fails_is_reported_unhealthy()
    {
        var ct = CancellationToken.None;
        var port = FreePort.Next();
        var id = await CreateAsync(WebServer("1", port, healthPort: FreePort.Next())); // probes a port nothing serves
        await _client.StartContainerAsync(id, ct);
        var settled = await _client.WaitForHealthAsync(id, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100), ct);
        Assert.True(settled.State!.Running);
        Assert.Equal("unhealthy", settled.HealthStatus());
        Assert.True(settled.State.Health!.FailingStreak >= 2);
        Assert.NotEmpty(settled.State.Health.Log!);
    }

    [Fact]
    public async Task A_container_still_starting_at_the_timeout_is_returned_from_an_inspection_at_the_deadline()
    {
        var ct = CancellationToken.None;
        var id = await CreateAsync(new DockerContainerSpec
        {
            Image = DockerDaemonFixture.TestImage("1"),
            Name = $"deployops-starting-{_run}",
            Command = new[] { "/bin/sh", "-c", "sleep 300" },
            // The first check is an hour away: the health stays "starting" for the whole wait.
            Healthcheck = DockerHealthcheck.Shell("true", TimeSpan.FromHours(1), TimeSpan.FromSeconds(2), retries: 1),
            StopTimeout = TimeSpan.FromSeconds(1),
        });
        await _client.StartContainerAsync(id, ct);
        var clock = new ManualClock();
        var start = clock.GetUtcNow();

        var waits = new List<TimeSpan>();

        var settled = await clock.DriveAsync(_client.WaitForHealthAsync(id, TimeSpan.FromMilliseconds(2500), TimeSpan.FromSeconds(1), ct, clock), waits.Add);

        Assert.Equal("starting", settled.HealthStatus());
        Assert.True(settled.State!.Running);
        // Inspected at 0, 1, 2 and 2.5 s: the last wait is cut to the deadline, never an interval past it.
        Assert.Equal(new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500) }, waits);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), clock.GetUtcNow() - start);
    }

    [Fact]
    public async Task Creating_from_a_missing_image_is_DockerImageNotFound_and_a_taken_name_is_DockerConflict()
    {
        var ct = CancellationToken.None;
        var missing = await Assert.ThrowsAsync<DockerApiException>(() =>
            _client.CreateContainerAsync(new DockerContainerSpec { Image = "deployops-missing:1", Name = $"deployops-x-{_run}" }, ct));
        Assert.Equal(ErrorIds.DockerImageNotFound, missing.ErrorId);
        Assert.Contains("deployops-missing", missing.Message);

        var spec = new DockerContainerSpec { Image = DockerDaemonFixture.TestImage("1"), Name = $"deployops-dup-{_run}" };
        await CreateAsync(spec);
        var conflict = await Assert.ThrowsAsync<DockerApiException>(() => _client.CreateContainerAsync(spec, ct));
        Assert.Equal(ErrorIds.DockerConflict, conflict.ErrorId);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("already in use", conflict.DaemonMessage);
    }

    [Fact]
    public async Task Cancelling_a_stop_that_waits_for_its_timeout_returns_promptly()
    {
        var ct = CancellationToken.None;
        var id = await CreateAsync(new DockerContainerSpec
        {
            Image = DockerDaemonFixture.TestImage("1"),
            Name = $"deployops-stubborn-{_run}",
            Command = new[] { "/bin/sh", "-c", "trap '' TERM; while true; do sleep 1; done" }, // ignores SIGTERM
        });
        await _client.StartContainerAsync(id, ct);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        // Without working cancellation the stop would finish after 60s, stop the container and throw nothing.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.StopContainerAsync(id, TimeSpan.FromSeconds(60), cancel.Token));
        Assert.True((await _client.InspectContainerAsync(id, ct)).State!.Running);
    }
}
