using System.Net;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

/// <summary>Draining against the real demo app: its /health active_connections and its Prometheus gauge.</summary>
public sealed class DrainTests : IClassFixture<DemoAppFixture>, IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly DemoAppFixture _demo;

    public DrainTests(DemoAppFixture demo) => _demo = demo;

    public Task InitializeAsync() => _demo.ResetFaultsAsync();

    public async Task DisposeAsync()
    {
        await _demo.ResetFaultsAsync();
        File.Delete(_demo.FlagPath);
    }

    private string Yaml(string drain) =>
        $"maintenance:\n  flagFile:\n    path: {_demo.FlagPath}\n  drain:\n" + drain;

    private string HealthDrain(string timeout, string interval = "300ms") =>
        $"    url: {_demo.App.BaseUrl}/health\n    threshold: 5\n    interval: {interval}\n    timeout: {timeout}\n";

    [Fact]
    public async Task Drain_waits_until_active_connections_fall_below_the_threshold()
    {
        await _demo.App.SetFaultsAsync(new { connections = 40, connectionDecayPerSecond = 12.0 });
        using var cfg = new MaintenanceConfig(Yaml(HealthDrain("30s")));
        var sink = new RecordingSink();

        var state = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Reason = "drain test" }, sink, default);

        Assert.Empty(sink.Errors);
        var drain = Assert.IsType<DrainResult>(state.Drain);
        Assert.Equal(DrainOutcome.Drained, drain.Outcome);
        Assert.True(drain.LastCount < 5, $"last count {drain.LastCount} is not below 5");
        Assert.True(drain.Samples[0].Count >= 20, $"first reading {drain.Samples[0].Count} should show the load");
        var counts = drain.Samples.Select(s => s.Count!.Value).ToList();
        Assert.True(counts.Count >= 3, string.Join(",", counts));
        Assert.Equal(counts.OrderByDescending(c => c), counts); // it fell, it was not read once
        Assert.Contains(sink.Progress, p => p.Activity == "Draining connections" && p.Status.Contains("in flight") && p.SecondsRemaining > 0);
        Assert.Contains(cfg.Audit(), a => a.Action == "drain" && a.Outcome == "Drained" && a.Details["lastCount"] == drain.LastCount.ToString());
        // The app itself saw the flag all along.
        using (var api = await Http.GetAsync(_demo.App.BaseUrl + "/api/orders"))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
        await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default);
        using (var api = await Http.GetAsync(_demo.App.BaseUrl + "/api/orders"))
            Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Fact]
    public async Task Connections_that_never_fall_are_DrainTimeout_with_the_last_count_and_maintenance_stays_on()
    {
        await _demo.App.SetFaultsAsync(new { connections = 40, connectionDecayPerSecond = 0.0 });
        using var cfg = new MaintenanceConfig(Yaml(HealthDrain("1500ms")));
        var sink = new RecordingSink();

        var state = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), sink, default);

        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.DrainTimeout, error.ErrorId);
        var drain = Assert.IsType<DrainResult>(error.Target);
        Assert.Equal(DrainOutcome.TimedOut, drain.Outcome);
        Assert.True(drain.LastCount >= 40);
        Assert.Contains($"last count {drain.LastCount}", error.Message);
        Assert.Contains("1.5s", error.Message);
        Assert.True(drain.Samples.Count >= 2);
        Assert.Equal(MaintenanceStatus.On, state.Status);
        Assert.True(File.Exists(_demo.FlagPath));
        Assert.Contains(cfg.Audit(), a => a.Action == "drain" && a.Outcome == "TimedOut");
    }

    [Fact]
    public async Task Prometheus_gauge_counts_real_in_flight_requests_until_they_finish()
    {
        var slow = Enumerable.Range(0, 8).Select(_ => Http.GetAsync(_demo.App.BaseUrl + "/slow?ms=2500")).ToList();
        await Eventually.WaitAsync(async () => Gauge(await Http.GetStringAsync(_demo.App.BaseUrl + "/metrics")) >= 8, "8 requests in flight");
        using var cfg = new MaintenanceConfig(Yaml(
            $"    source: prometheus\n    url: {_demo.App.BaseUrl}/metrics\n    metric: demo_active_connections\n    threshold: 3\n    interval: 250ms\n    timeout: 30s\n"));

        var state = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), new RecordingSink(), default);

        var drain = state.Drain!;
        Assert.Equal(DrainOutcome.Drained, drain.Outcome);
        Assert.True(drain.Samples[0].Count >= 8, $"first reading {drain.Samples[0].Count}");
        Assert.True(drain.LastCount < 3);
        foreach (var response in await Task.WhenAll(slow)) using (response) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Cancellation_stops_waiting_cleanly_and_leaves_maintenance_on()
    {
        await _demo.App.SetFaultsAsync(new { connections = 40, connectionDecayPerSecond = 0.0 });
        using var cfg = new MaintenanceConfig(Yaml(HealthDrain("10m")));
        using var cts = new CancellationTokenSource();
        var sink = new RecordingSink();

        var enter = MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), sink, cts.Token);
        await Eventually.WaitAsync(() => Task.FromResult(sink.Progress.Any(p => p.Activity == "Draining connections")), "draining started");
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => enter.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.True(File.Exists(_demo.FlagPath));
        Assert.Contains(sink.Warnings, w => w.Contains("still ON"));
        Assert.Contains(cfg.Audit(), a => a.Action == "drain" && a.Outcome == "Cancelled");
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public async Task Force_skips_the_wait_and_an_unreachable_source_times_out_naming_why()
    {
        await _demo.App.SetFaultsAsync(new { connections = 40 });
        using (var cfg = new MaintenanceConfig(Yaml(HealthDrain("10m"))))
        {
            var forced = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Force = true }, new RecordingSink(), default);
            Assert.Equal(DrainOutcome.Skipped, forced.Drain!.Outcome);
            Assert.Empty(forced.Drain.Samples);
            Assert.Contains(cfg.Audit(), a => a.Action == "drain" && a.Outcome == "Skipped");
            await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default);
        }

        var closed = FreePort.Next();
        using var down = new MaintenanceConfig(Yaml($"    url: http://127.0.0.1:{closed}/health\n    interval: 200ms\n    timeout: 700ms\n"));
        var sink = new RecordingSink();
        var state = await MaintenanceMode.EnterAsync(down.Config, new EnterMaintenanceOptions(), sink, default);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.DrainTimeout, error.ErrorId);
        Assert.Contains("last reading failed", error.Message);
        Assert.Contains($"127.0.0.1:{closed}", error.Message);
        Assert.Null(state.Drain!.LastCount);
        Assert.Contains(sink.Warnings, w => w.StartsWith("Drain reading failed"));
    }

    private static long Gauge(string metrics) =>
        long.Parse(metrics.Split('\n').Single(l => l.StartsWith("demo_active_connections ")).Split(' ')[1]);
}
