using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Maintenance.Drain;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

/// <summary>
/// The drain's timing on a manual clock, through Enter-MaintenanceMode's facade with scripted readings: when each
/// reading is taken, what the deadline means, failed readings, a slow source and cancellation — exactly, and without
/// waiting. DrainTests and PostgresDrainTests keep what needs the real sources.
/// </summary>
public sealed class DrainTimingTests
{
    private static MaintenanceConfig Config(string timeout, string interval = "1s", int threshold = 5) => new(
        "maintenance:\n" + MaintenanceConfig.FlagFile +
        // The URL is never read: the scripted source replaces it.
        $"  drain:\n    url: http://127.0.0.1:9/health\n    threshold: {threshold}\n    interval: {interval}\n    timeout: {timeout}\n");

    /// <summary>Readings from a script: a number is a count, null a failed reading; the last entry repeats.</summary>
    private sealed class ScriptedSource : IDrainSource
    {
        private readonly DateTimeOffset _start;
        private readonly long?[] _script;
        private readonly TimeSpan _readTakes;

        public ScriptedSource(ManualClock clock, TimeSpan readTakes = default, params long?[] script)
        {
            Clock = clock;
            _start = clock.GetUtcNow();
            _script = script;
            _readTakes = readTakes;
        }

        public ManualClock Clock { get; }
        /// <summary>Called with the reading's number as it is taken.</summary>
        public Action<int>? OnRead { get; set; }
        /// <summary>When each reading began, from the start of the test.</summary>
        public List<TimeSpan> ReadAt { get; } = new();
        public string Description => "scripted connections";

        public async Task<long> ReadAsync(CancellationToken cancellationToken)
        {
            ReadAt.Add(Clock.GetUtcNow() - _start);
            OnRead?.Invoke(ReadAt.Count);
            var answer = _script[Math.Min(ReadAt.Count, _script.Length) - 1];
            if (_readTakes > TimeSpan.Zero) await Task.Delay(_readTakes, Clock, cancellationToken);
            return answer ?? throw new DrainSourceException($"reading {ReadAt.Count} failed");
        }
    }

    /// <summary>Enter-MaintenanceMode's facade with the scripted readings, the clock moved to each wait's end.</summary>
    private static Task<MaintenanceState> EnterAsync(MaintenanceConfig cfg, ScriptedSource source, RecordingSink sink) =>
        source.Clock.DriveAsync(MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Clock = source.Clock, DrainSource = source },
            sink, default));

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public async Task Connections_left_at_the_deadline_are_DrainTimeout_with_a_last_reading_exactly_at_the_deadline()
    {
        using var cfg = Config(timeout: "2500ms");
        var source = new ScriptedSource(new ManualClock(), default, 40);
        var sink = new RecordingSink();

        var state = await EnterAsync(cfg, source, sink);

        // At once, then every interval, and the last wait cut to the deadline: never a reading after it.
        Assert.Equal(new[] { S(0), S(1), S(2), S(2.5) }, source.ReadAt);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.DrainTimeout, error.ErrorId);
        Assert.Equal(ErrorKind.OperationTimeout, error.Kind);
        var drain = Assert.IsType<DrainResult>(error.Target);
        Assert.Same(state.Drain, drain);
        Assert.Equal(DrainOutcome.TimedOut, drain.Outcome);
        Assert.False(drain.Succeeded);
        Assert.Equal(40, drain.LastCount);
        Assert.Equal(S(2.5), drain.Elapsed);
        Assert.Equal(new[] { S(0), S(1), S(2), S(2.5) }, drain.Samples.Select(s => s.Elapsed));
        Assert.Equal("Drain timed out after 2.5s: scripted connections did not fall below 5 (last count 40); maintenance stays on", drain.Message);
        Assert.Equal(MaintenanceStatus.On, state.Status);
        Assert.True(File.Exists(cfg.FlagPath));
        var audit = Assert.Single(cfg.Audit(), a => a.Action == "drain");
        Assert.Equal("TimedOut", audit.Outcome);
        Assert.Equal("2500", audit.Details["elapsedMs"]);
        Assert.Equal("4", audit.Details["samples"]);
    }

    [Fact]
    public async Task Drained_before_the_deadline_stops_reading_and_progress_counts_down_the_time_left()
    {
        using var cfg = Config(timeout: "10s");
        var source = new ScriptedSource(new ManualClock(), default, 40, 20, 4, 0);
        var sink = new RecordingSink();

        var state = await EnterAsync(cfg, source, sink);

        Assert.Empty(sink.Errors);
        Assert.Equal(new[] { S(0), S(1), S(2) }, source.ReadAt); // 4 is below 5: no fourth reading
        var drain = state.Drain!;
        Assert.Equal(DrainOutcome.Drained, drain.Outcome);
        Assert.Equal(4, drain.LastCount);
        Assert.Equal(S(2), drain.Elapsed);
        Assert.Equal("Drained: scripted connections is 4, below 5, after 2s", drain.Message);
        var waiting = sink.Progress.Where(p => p.ActivityId == DrainWaiter.ProgressActivityId && !p.Completed).ToList();
        Assert.Equal(new[] { "40 in flight (below 5 needed), 10s left", "20 in flight (below 5 needed), 9s left" }, waiting.Select(p => p.Status));
        Assert.Equal(new[] { 0, 10 }, waiting.Select(p => p.PercentComplete));
        Assert.Contains(sink.Progress, p => p.ActivityId == DrainWaiter.ProgressActivityId && p.Completed && p.Status == "Drained");
        Assert.Equal("Drained", Assert.Single(cfg.Audit(), a => a.Action == "drain").Outcome);
    }

    [Fact]
    public async Task Failed_readings_are_warnings_and_the_wait_goes_on_until_a_reading_succeeds()
    {
        using var cfg = Config(timeout: "10s");
        var source = new ScriptedSource(new ManualClock(), default, null, null, 2);
        var sink = new RecordingSink();

        var state = await EnterAsync(cfg, source, sink);

        Assert.Empty(sink.Errors);
        Assert.Equal(new[] { "Drain reading failed: reading 1 failed", "Drain reading failed: reading 2 failed" }, sink.Warnings);
        var drain = state.Drain!;
        Assert.Equal(DrainOutcome.Drained, drain.Outcome);
        Assert.Equal(new string?[] { "reading 1 failed", "reading 2 failed", null }, drain.Samples.Select(s => s.Error));
        Assert.Equal(2, drain.LastCount);
        Assert.Contains(sink.Progress, p => p.Status == "unknown in flight (below 5 needed), 10s left");
    }

    [Fact]
    public async Task A_source_that_never_answers_times_out_naming_the_last_failure()
    {
        using var cfg = Config(timeout: "2s");
        var source = new ScriptedSource(new ManualClock(), default, 7, null);
        var sink = new RecordingSink();

        var state = await EnterAsync(cfg, source, sink);

        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.DrainTimeout, error.ErrorId);
        Assert.Equal("Drain timed out after 2s: scripted connections did not fall below 5 (last reading failed: reading 3 failed); maintenance stays on", error.Message);
        Assert.Equal(7, state.Drain!.LastCount); // the last count that was read, even though later readings failed
        Assert.Equal("reading 3 failed", state.Drain.LastError);
        Assert.Equal(2, sink.Warnings.Count(w => w.StartsWith("Drain reading failed")));
    }

    [Fact]
    public async Task A_slow_source_spends_the_same_deadline_it_is_not_a_timeout_per_reading()
    {
        using var cfg = Config(timeout: "3s");
        var source = new ScriptedSource(new ManualClock(), S(1.5), 40);
        var sink = new RecordingSink();

        var state = await EnterAsync(cfg, source, sink);

        // 0–1.5 s reading, 1 s wait, 2.5–4 s reading: past the deadline, so no third reading and no further wait.
        Assert.Equal(new[] { S(0), S(2.5) }, source.ReadAt);
        Assert.Equal(new[] { S(1.5), S(4) }, state.Drain!.Samples.Select(s => s.Elapsed));
        Assert.Equal(DrainOutcome.TimedOut, state.Drain.Outcome);
        Assert.Equal(S(4), state.Drain.Elapsed);
        Assert.Equal(ErrorIds.DrainTimeout, Assert.Single(sink.Errors).ErrorId);
    }

    [Fact]
    public async Task Cancelling_the_wait_is_recorded_as_Cancelled_and_maintenance_stays_on()
    {
        using var cfg = Config(timeout: "10m");
        var source = new ScriptedSource(new ManualClock(), default, 40);
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        source.OnRead = n => { if (n == 3) cts.Cancel(); }; // Ctrl+C right after the reading at 2 s

        var enter = MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Clock = source.Clock, DrainSource = source }, sink, cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.Clock.DriveAsync(enter));
        Assert.Equal(3, source.ReadAt.Count);
        Assert.True(File.Exists(cfg.FlagPath));
        Assert.Contains(sink.Warnings, w => w.Contains("still ON"));
        var audit = Assert.Single(cfg.Audit(), a => a.Action == "drain");
        Assert.Equal("Cancelled", audit.Outcome);
        Assert.Equal("Draining cancelled after 2s (last count 40); maintenance stays on", audit.Details["message"]);
        Assert.Empty(sink.Errors);
    }
}
