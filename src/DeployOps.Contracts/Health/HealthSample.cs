using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health;

/// <summary>
/// One interval of a health watch, as emitted to the pipeline: the main signals, the verdict and why.
/// Latencies are milliseconds, the error rate is a percentage, memory growth MB per minute.
/// </summary>
public sealed class HealthSample
{
    internal HealthSample(int sequence, DateTimeOffset time, TimeSpan elapsed, string phase, HealthVerdict verdict,
        IReadOnlyDictionary<string, double> signals, IReadOnlyDictionary<string, string> unreadable,
        IReadOnlyList<string> sourceErrors, IReadOnlyList<string> notes, IReadOnlyList<string> reasons, string watchId,
        string? deploymentId, IReadOnlyList<Comparison.BaselineComparison>? comparisons = null)
    {
        Comparisons = comparisons ?? Array.Empty<Comparison.BaselineComparison>();
        Sequence = sequence;
        Time = time;
        Elapsed = elapsed;
        Phase = phase;
        Verdict = verdict;
        Signals = signals;
        Unreadable = unreadable;
        SourceErrors = sourceErrors;
        Notes = notes;
        Reasons = reasons;
        WatchId = watchId;
        DeploymentId = deploymentId;
    }

    public int Sequence { get; }
    public DateTimeOffset Time { get; }
    /// <summary>Time since the deployment (or the start of the watch).</summary>
    public TimeSpan Elapsed { get; }
    public string Phase { get; }
    public HealthVerdict Verdict { get; }
    public double? ErrorRate => Signal(HealthSignals.ErrorRate);
    public double? P95 => Signal(HealthSignals.P95);
    public double? P99 => Signal(HealthSignals.P99);
    public double? Requests => Signal(HealthSignals.Requests);
    public double? DbLatency => Signal(HealthSignals.DbLatency);
    public double? Memory => Signal(HealthSignals.Memory);
    public double? MemoryGrowth => Signal(HealthSignals.MemoryGrowth);
    /// <summary>Every signal read this interval.</summary>
    public IReadOnlyDictionary<string, double> Signals { get; }
    /// <summary>Signals that could not be read, with the reason.</summary>
    public IReadOnlyDictionary<string, string> Unreadable { get; }
    public IReadOnlyList<string> SourceErrors { get; }
    /// <summary>Facts worth keeping (e.g. a counter reset after a restart).</summary>
    public IReadOnlyList<string> Notes { get; }
    public IReadOnlyList<string> Reasons { get; }
    /// <summary>Canary against baseline in this sample (empty without <c>compare: baseline</c>).</summary>
    public IReadOnlyList<Comparison.BaselineComparison> Comparisons { get; }
    public string WatchId { get; }
    public string? DeploymentId { get; }

    private double? Signal(string name) => Signals.TryGetValue(name, out var v) ? v : null;

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    public override string ToString() =>
        $"T+{DisplayFormat.Duration(Elapsed)} {Verdict}" + (Reasons.Count > 0 ? ": " + string.Join("; ", Reasons) : "");
}
