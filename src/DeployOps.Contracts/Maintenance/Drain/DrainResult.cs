namespace DeployOps.Engine.Maintenance;

/// <summary>One reading taken while draining: when, and the count (or why there was none).</summary>
public sealed class DrainSample
{
    public DrainSample(TimeSpan elapsed, long? count, string? error)
    {
        Elapsed = elapsed;
        Count = count;
        Error = error;
    }

    public TimeSpan Elapsed { get; }
    public long? Count { get; }
    public string? Error { get; }

    public override string ToString() => Count is { } c ? $"{Elapsed.TotalSeconds:0.0}s: {c}" : $"{Elapsed.TotalSeconds:0.0}s: ({Error})";
}

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

    public DrainOutcome Outcome { get; }
    public bool Succeeded => Outcome == DrainOutcome.Drained;
    public string Source { get; }
    /// <summary>Draining succeeds when the count is below this.</summary>
    public long Threshold { get; }
    public TimeSpan Timeout { get; }
    public TimeSpan Elapsed { get; }
    public IReadOnlyList<DrainSample> Samples { get; }
    /// <summary>The last count read (null when no reading succeeded).</summary>
    public long? LastCount => Samples.LastOrDefault(s => s.Count is not null)?.Count;
    /// <summary>Why the last reading failed, when it did.</summary>
    public string? LastError => Samples.Count > 0 ? Samples[^1].Error : null;
    public string Message { get; }

    public override string ToString() => Message;
}
