using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health;

/// <summary>
/// One interval of a health watch, as emitted to the pipeline: the main signals, the verdict and why.
/// Latencies are milliseconds, the error rate is a percentage, memory growth MB per minute.
/// </summary>
public sealed class HealthSample
{
    internal HealthSample(HealthObservation observation, HealthEvaluation evaluation, string watchId, string? deploymentId,
        IReadOnlyList<string> reasons)
    {
        Observation = observation;
        Sequence = observation.Sequence;
        Time = observation.Time;
        Elapsed = observation.Elapsed;
        Phase = evaluation.Phase;
        Verdict = evaluation.Verdict;
        Reasons = reasons;
        WatchId = watchId;
        DeploymentId = deploymentId;
    }

    internal HealthObservation Observation { get; }

    public int Sequence { get; }
    public DateTimeOffset Time { get; }
    /// <summary>Time since the deployment (or the start of the watch).</summary>
    public TimeSpan Elapsed { get; }
    public string Phase { get; }
    public HealthVerdict Verdict { get; }
    public double? ErrorRate => Observation.Signal(HealthSignals.ErrorRate);
    public double? P95 => Observation.Signal(HealthSignals.P95);
    public double? P99 => Observation.Signal(HealthSignals.P99);
    public double? Requests => Observation.Signal(HealthSignals.Requests);
    public double? DbLatency => Observation.Signal(HealthSignals.DbLatency);
    public double? Memory => Observation.Signal(HealthSignals.Memory);
    public double? MemoryGrowth => Observation.Signal(HealthSignals.MemoryGrowth);
    /// <summary>Every signal read this interval.</summary>
    public IReadOnlyDictionary<string, double> Signals => Observation.Signals;
    /// <summary>Signals that could not be read, with the reason.</summary>
    public IReadOnlyDictionary<string, string> Unreadable => Observation.Unreadable;
    public IReadOnlyList<string> SourceErrors => Observation.SourceErrors;
    public IReadOnlyList<string> Reasons { get; }
    public string WatchId { get; }
    public string? DeploymentId { get; }

    public override string ToString() =>
        $"T+{Configuration.ValueParsers.FormatDuration(Elapsed)} {Verdict}" + (Reasons.Count > 0 ? ": " + string.Join("; ", Reasons) : "");
}
