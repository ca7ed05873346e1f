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

    /// <summary>The sample's number in its watch (1 for the first).</summary>
    public int Sequence { get; }
    /// <summary>When the sample was taken.</summary>
    public DateTimeOffset Time { get; }
    /// <summary>Time since the deployment (or the start of the watch).</summary>
    public TimeSpan Elapsed { get; }
    /// <summary>The timeline phase the sample fell in (early, settling, stable, baseline or a configured
    /// one).</summary>
    public string Phase { get; }
    /// <summary>The verdict after this sample: Healthy, Investigate, Rollback or Inconclusive.</summary>
    public HealthVerdict Verdict { get; }
    /// <summary>Percentage of requests in the interval answered with an error status; null when unreadable (e.g. too
    /// little traffic).</summary>
    public double? ErrorRate => Signal(HealthSignals.ErrorRate);
    /// <summary>95th percentile request latency in the interval, milliseconds; null when unreadable.</summary>
    public double? P95 => Signal(HealthSignals.P95);
    /// <summary>99th percentile request latency in the interval, milliseconds; null when unreadable.</summary>
    public double? P99 => Signal(HealthSignals.P99);
    /// <summary>Requests counted in the interval; null when no source counts requests.</summary>
    public double? Requests => Signal(HealthSignals.Requests);
    /// <summary>Database SELECT 1 round trip, milliseconds; null without a database.</summary>
    public double? DbLatency => Signal(HealthSignals.DbLatency);
    /// <summary>Resident memory of all targets, MB; null when no source reports memory.</summary>
    public double? Memory => Signal(HealthSignals.Memory);
    /// <summary>Resident memory growth, MB per minute; null until the growth window has enough samples.</summary>
    public double? MemoryGrowth => Signal(HealthSignals.MemoryGrowth);
    /// <summary>Every signal read this interval.</summary>
    public IReadOnlyDictionary<string, double> Signals { get; }
    /// <summary>Signals that could not be read, with the reason.</summary>
    public IReadOnlyDictionary<string, string> Unreadable { get; }
    /// <summary>Scrape and query errors of this interval (a failed scrape is never a reason to roll back).</summary>
    public IReadOnlyList<string> SourceErrors { get; }
    /// <summary>Facts worth keeping (e.g. a counter reset after a restart).</summary>
    public IReadOnlyList<string> Notes { get; }
    /// <summary>Why the verdict is what it is, in sentences (empty when healthy without remarks).</summary>
    public IReadOnlyList<string> Reasons { get; }
    /// <summary>Canary against baseline in this sample (empty without <c>compare: baseline</c>).</summary>
    public IReadOnlyList<Comparison.BaselineComparison> Comparisons { get; }
    /// <summary>The id of the watch this sample belongs to.</summary>
    public string WatchId { get; }
    /// <summary>The deployment being watched; null when watching without one.</summary>
    public string? DeploymentId { get; }

    private double? Signal(string name) => Signals.TryGetValue(name, out var v) ? v : null;

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    /// <summary>"T+elapsed verdict: reasons".</summary>
    public override string ToString() =>
        $"T+{DisplayFormat.Duration(Elapsed)} {Verdict}" + (Reasons.Count > 0 ? ": " + string.Join("; ", Reasons) : "");
}
