using System.Diagnostics;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Maintenance.Drain;

/// <summary>
/// Polls a drain source until the count is below the threshold or the timeout passes, reporting the current count
/// and time left as progress. A failed reading is a warning, not the end: the source may come back before the
/// deadline. A last reading is always taken at the deadline so the result states the count at timeout.
/// Cancellation ends the wait with <see cref="DrainOutcome.Cancelled"/> instead of throwing, so the caller can
/// record it before rethrowing.
/// </summary>
internal sealed class DrainWaiter
{
    public const int ProgressActivityId = 31;

    private readonly IDrainSource _source;
    private readonly long _threshold;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly Redactor _redactor;

    public DrainWaiter(IDrainSource source, long threshold, TimeSpan interval, TimeSpan timeout, Redactor redactor)
    {
        _source = source;
        _threshold = threshold;
        _interval = interval;
        _timeout = timeout;
        _redactor = redactor;
    }

    public async Task<DrainResult> WaitAsync(IOutputSink sink, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var samples = new List<DrainSample>();
        var description = _redactor.Redact(_source.Description);
        sink.WriteVerbose($"Draining: waiting until {description} is below {_threshold} (every {Fmt(_interval)}, up to {Fmt(_timeout)})");
        try
        {
            while (true)
            {
                var sample = await SampleAsync(clock, cancellationToken).ConfigureAwait(false);
                samples.Add(sample);
                var left = _timeout - clock.Elapsed;
                if (sample.Count is { } count && count < _threshold)
                    return Finish(sink, DrainOutcome.Drained, clock, samples,
                        $"Drained: {description} is {count}, below {_threshold}, after {Fmt(clock.Elapsed)}");
                if (sample.Error is { } error) sink.WriteWarning($"Drain reading failed: {error}");
                if (left <= TimeSpan.Zero)
                {
                    var last = sample.Count is { } c ? $"last count {c}" : $"last reading failed: {sample.Error}";
                    return Finish(sink, DrainOutcome.TimedOut, clock, samples,
                        $"Drain timed out after {Fmt(_timeout)}: {description} did not fall below {_threshold} ({last}); maintenance stays on");
                }
                sink.WriteProgress(new ProgressUpdate(ProgressActivityId, "Draining connections",
                    $"{(sample.Count is { } n ? n.ToString() : "unknown")} in flight (below {_threshold} needed), {Math.Ceiling(left.TotalSeconds)}s left",
                    (int)Math.Clamp(clock.Elapsed.TotalMilliseconds * 100 / _timeout.TotalMilliseconds, 0, 99),
                    (int)Math.Ceiling(left.TotalSeconds)));
                await Task.Delay(left < _interval ? left : _interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var last = samples.LastOrDefault(s => s.Count is not null)?.Count;
            return Finish(sink, DrainOutcome.Cancelled, clock, samples,
                $"Draining cancelled after {Fmt(clock.Elapsed)} (last count {(last is { } l ? l.ToString() : "unknown")}); maintenance stays on");
        }
    }

    private async Task<DrainSample> SampleAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        try
        {
            var count = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
            return new DrainSample(clock.Elapsed, count, null);
        }
        catch (DrainSourceException ex)
        {
            return new DrainSample(clock.Elapsed, null, _redactor.Redact(ex.Message));
        }
    }

    private DrainResult Finish(IOutputSink sink, DrainOutcome outcome, Stopwatch clock, List<DrainSample> samples, string message)
    {
        sink.WriteProgress(new ProgressUpdate(ProgressActivityId, "Draining connections", outcome.ToString(), 100, Completed: true));
        message = _redactor.Redact(message);
        sink.WriteVerbose(message);
        return new DrainResult(outcome, _redactor.Redact(_source.Description), _threshold, _timeout, clock.Elapsed, samples, message);
    }

    private static string Fmt(TimeSpan t) => ValueParsers.FormatDuration(t);
}
