using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Timing;

namespace DeployOps.Engine.Maintenance.Drain;

/// <summary>
/// Polls a drain source (on <see cref="Poll.UntilAsync"/>) until the count is below the threshold or the timeout
/// passes, reporting the current count and time left as progress. A failed reading is a warning, not the end: the
/// source may come back before the deadline. A last reading is always taken at the deadline so the result states the
/// count at timeout. Cancellation ends the wait with <see cref="DrainOutcome.Cancelled"/> instead of throwing, so the
/// caller can record it before rethrowing.
/// </summary>
internal sealed class DrainWaiter
{
    public const int ProgressActivityId = 31;

    private readonly IDrainSource _source;
    private readonly long _threshold;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly Redactor _redactor;
    private readonly TimeProvider _clock;

    public DrainWaiter(IDrainSource source, long threshold, TimeSpan interval, TimeSpan timeout, Redactor redactor, TimeProvider clock)
    {
        _source = source;
        _threshold = threshold;
        _interval = interval;
        _timeout = timeout;
        _redactor = redactor;
        _clock = clock;
    }

    public async Task<DrainResult> WaitAsync(IOutputSink sink, CancellationToken cancellationToken)
    {
        // Elapsed time on the same clock as Poll's deadline, so "time left" and the timeout agree (and a fake clock
        // in tests drives both).
        var started = _clock.GetUtcNow();
        TimeSpan Elapsed() => _clock.GetUtcNow() - started;
        var samples = new List<DrainSample>();
        var description = _redactor.Redact(_source.Description);
        sink.WriteVerbose($"Draining: waiting until {description} is below {_threshold} (every {Fmt(_interval)}, up to {Fmt(_timeout)})");
        try
        {
            var drained = await Poll.UntilAsync(async ct =>
            {
                var sample = await SampleAsync(Elapsed, ct).ConfigureAwait(false);
                samples.Add(sample);
                if (sample.Count is { } count && count < _threshold) return sample;
                if (sample.Error is { } error) sink.WriteWarning($"Drain reading failed: {error}");
                ReportWaiting(sink, sample, Elapsed());
                return null;
            }, _timeout, _interval, _clock, cancellationToken).ConfigureAwait(false);

            var elapsed = Elapsed();
            if (drained is { Count: { } count })
                return Finish(sink, DrainOutcome.Drained, elapsed, samples,
                    $"Drained: {description} is {count}, below {_threshold}, after {Fmt(elapsed)}");
            // Poll gave up at the deadline: the last reading (taken at the deadline) is what timed out.
            var last = samples[^1];
            var lastText = last.Count is { } c ? $"last count {c}" : $"last reading failed: {last.Error}";
            return Finish(sink, DrainOutcome.TimedOut, elapsed, samples,
                $"Drain timed out after {Fmt(_timeout)}: {description} did not fall below {_threshold} ({lastText}); maintenance stays on");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var last = samples.LastOrDefault(s => s.Count is not null)?.Count;
            var elapsed = Elapsed();
            return Finish(sink, DrainOutcome.Cancelled, elapsed, samples,
                $"Draining cancelled after {Fmt(elapsed)} (last count {(last is { } l ? l.ToString() : "unknown")}); maintenance stays on");
        }
    }

    /// <summary>Progress between readings; none once the deadline has passed (the next step is the timeout).</summary>
    private void ReportWaiting(IOutputSink sink, DrainSample sample, TimeSpan elapsed)
    {
        var left = _timeout - elapsed;
        if (left <= TimeSpan.Zero) return;
        sink.WriteProgress(new ProgressUpdate(ProgressActivityId, "Draining connections",
            $"{(sample.Count is { } n ? n.ToString() : "unknown")} in flight (below {_threshold} needed), {Math.Ceiling(left.TotalSeconds)}s left",
            (int)Math.Clamp(elapsed.TotalMilliseconds * 100 / _timeout.TotalMilliseconds, 0, 99),
            (int)Math.Ceiling(left.TotalSeconds)));
    }

    /// <summary>One reading; a <see cref="DrainSourceException"/> is a failed reading, anything else ends the wait.</summary>
    private async Task<DrainSample> SampleAsync(Func<TimeSpan> elapsed, CancellationToken cancellationToken)
    {
        try
        {
            var count = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
            return new DrainSample(elapsed(), count, null);
        }
        catch (DrainSourceException ex)
        {
            return new DrainSample(elapsed(), null, _redactor.Redact(ex.Message));
        }
    }

    private DrainResult Finish(IOutputSink sink, DrainOutcome outcome, TimeSpan elapsed, List<DrainSample> samples, string message)
    {
        sink.WriteProgress(new ProgressUpdate(ProgressActivityId, "Draining connections", outcome.ToString(), 100, Completed: true));
        message = _redactor.Redact(message);
        sink.WriteVerbose(message);
        return new DrainResult(outcome, _redactor.Redact(_source.Description), _threshold, _timeout, elapsed, samples, message);
    }

    private static string Fmt(TimeSpan t) => ValueParsers.FormatDuration(t);
}
