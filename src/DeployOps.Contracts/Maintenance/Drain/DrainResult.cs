namespace DeployOps.Engine.Maintenance;

/// <summary>One reading taken while draining: when, and the count (or why there was none).</summary>
public sealed class DrainSample
{
    /// <summary>Creates a reading.</summary>
    public DrainSample(TimeSpan elapsed, long? count, string? error)
    {
        Elapsed = elapsed;
        Count = count;
        Error = error;
    }

    /// <summary>Time since draining started when the reading was taken.</summary>
    public TimeSpan Elapsed { get; }
    /// <summary>The count read (active sessions, requests in flight …); null when the reading failed.</summary>
    public long? Count { get; }
    /// <summary>Why the reading failed (secrets masked); null when it succeeded.</summary>
    public string? Error { get; }

    /// <summary>"12.0s: 3", or "12.0s: (error)" for a failed reading.</summary>
    public override string ToString() => Count is { } c ? $"{Elapsed.TotalSeconds:0.0}s: {c}" : $"{Elapsed.TotalSeconds:0.0}s: ({Error})";
}

/// <summary>How waiting for in-flight work to drain ended (Enter-MaintenanceMode).</summary>
public enum DrainOutcome
{
    /// <summary>The count fell below the threshold.</summary>
    Drained,
    /// <summary>The timeout passed first; maintenance stays on.</summary>
    TimedOut,
    /// <summary>The operator stopped the wait (Ctrl+C).</summary>
    Cancelled,
    /// <summary>-Force, or no drain source configured.</summary>
    Skipped,
}

/// <summary>How draining ended, with every reading, so the result proves the count reached the threshold (or why not).</summary>
public sealed class DrainResult
{
    /// <summary>Creates a drain result.</summary>
    public DrainResult(DrainOutcome outcome, string source, long threshold, TimeSpan timeout, TimeSpan elapsed,
        IReadOnlyList<DrainSample> samples, string message)
    {
        Outcome = outcome;
        Source = source;
        Threshold = threshold;
        Timeout = timeout;
        Elapsed = elapsed;
        Samples = samples;
        Message = message;
    }

    /// <summary>Drained, TimedOut, Cancelled or Skipped.</summary>
    public DrainOutcome Outcome { get; }
    /// <summary>True only when the count fell below the threshold (<see cref="DrainOutcome.Drained"/>).</summary>
    public bool Succeeded => Outcome == DrainOutcome.Drained;
    /// <summary>What was counted, e.g. "non-idle sessions of database shop in pg_stat_activity (host:port/shop)"
    /// (secrets masked).</summary>
    public string Source { get; }
    /// <summary>Draining succeeds when the count is below this.</summary>
    public long Threshold { get; }
    /// <summary>How long draining was allowed to take (maintenance.drain.timeout or -DrainTimeout).</summary>
    public TimeSpan Timeout { get; }
    /// <summary>How long draining took until it ended.</summary>
    public TimeSpan Elapsed { get; }
    /// <summary>Every reading, oldest first.</summary>
    public IReadOnlyList<DrainSample> Samples { get; }
    /// <summary>The last count read (null when no reading succeeded).</summary>
    public long? LastCount => Samples.LastOrDefault(s => s.Count is not null)?.Count;
    /// <summary>Why the last reading failed, when it did.</summary>
    public string? LastError => Samples.Count > 0 ? Samples[^1].Error : null;
    /// <summary>How draining ended, in a sentence.</summary>
    public string Message { get; }

    /// <summary>The same sentence as <see cref="Message"/>.</summary>
    public override string ToString() => Message;
}
