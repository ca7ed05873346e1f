using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Signals;
using DeployOps.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace DeployOps.Engine.Tests.Health;

/// <summary>A signal source whose readings are a function of the fake clock's elapsed time.</summary>
internal sealed class ScriptedSource : ISignalSource
{
    private readonly TimeProvider _clock;
    private readonly DateTimeOffset _start;
    private readonly Func<TimeSpan, IReadOnlyDictionary<string, double>> _script;

    public ScriptedSource(TimeProvider clock, Func<TimeSpan, IReadOnlyDictionary<string, double>> script)
    {
        _clock = clock;
        _start = clock.GetUtcNow();
        _script = script;
    }

    public string Name => "scripted";
    public Task<SourceReading> PrimeAsync(CancellationToken cancellationToken) => Task.FromResult(SourceReading.Empty);

    public Task<SourceReading> ReadAsync(CancellationToken cancellationToken)
    {
        var reading = new SourceReading();
        foreach (var (signal, value) in _script(_clock.GetUtcNow() - _start)) reading.Set(signal, value);
        return Task.FromResult(reading);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Runs a health watch on a <see cref="FakeTimeProvider"/>: the whole timeline in milliseconds of real time.</summary>
internal static class FakeClockWatch
{
    public static async Task<(IReadOnlyList<HealthSample> Samples, HealthDecision Decision)> RunAsync(TempConfig file, TimeSpan duration,
        Func<TimeSpan, IReadOnlyDictionary<string, double>> script, WatchUntil until = WatchUntil.Duration)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero));
        var config = ConfigLoader.Load(file.Path);
        var sink = new RecordingSink();
        var options = new WatchOptions
        {
            Duration = duration, Until = until, StartedAt = clock.GetUtcNow(), Clock = clock,
            Sources = new[] { new ScriptedSource(clock, script) },
        };
        var watch = HealthWatcher.WatchAsync(config, options, sink, CancellationToken.None);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // a broken schedule fails, never hangs
        while (!watch.IsCompleted)
        {
            await Task.Yield();
            clock.Advance(TimeSpan.FromSeconds(1));
            guard.Token.ThrowIfCancellationRequested();
        }
        return (sink.RecordsOf<HealthSample>().ToList(), await watch);
    }

    /// <summary>Steady traffic with <paramref name="errorPercent"/> % errors.</summary>
    public static IReadOnlyDictionary<string, double> Traffic(double errorPercent) =>
        new Dictionary<string, double> { [HealthSignals.Requests] = 600, [HealthSignals.ErrorRate] = errorPercent };
}
