using System.Text.Json.Serialization;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health;

/// <summary>
/// A decision and its explanation: which rule, which threshold, the samples that breached it, since when, in
/// which timeline phase. Every Rollback and Investigate decision is stored as a JSON record with the deployment
/// (<c>deployments/&lt;id&gt;/decision-&lt;n&gt;.json</c>); a watch also returns its final decision.
/// </summary>
public sealed class HealthDecision
{
    [JsonConstructor]
    public HealthDecision(string watchId, string? deploymentId, int number, HealthVerdict verdict, string? rule, string? signal,
        string? comparison, double? threshold, double? value, string phase, DateTimeOffset? since, TimeSpan? sinceElapsed,
        DateTimeOffset decidedAt, TimeSpan elapsed, int sequence, IReadOnlyList<RuleFinding> findings,
        IReadOnlyList<BreachSample> breachingSamples, IReadOnlyList<string> reasons, int sampleCount, string? recordPath,
        bool rollbackTriggered, IReadOnlyList<Comparison.BaselineComparison>? comparisons = null)
    {
        Comparisons = comparisons ?? Array.Empty<Comparison.BaselineComparison>();
        WatchId = watchId;
        DeploymentId = deploymentId;
        Number = number;
        Verdict = verdict;
        Rule = rule;
        Signal = signal;
        Comparison = comparison;
        Threshold = threshold;
        Value = value;
        Phase = phase;
        Since = since;
        SinceElapsed = sinceElapsed;
        DecidedAt = decidedAt;
        Elapsed = elapsed;
        Sequence = sequence;
        Findings = findings;
        BreachingSamples = breachingSamples;
        Reasons = reasons;
        SampleCount = sampleCount;
        RecordPath = recordPath;
        RollbackTriggered = rollbackTriggered;
    }

    public string WatchId { get; }
    public string? DeploymentId { get; }
    /// <summary>Number of the decision record (1, 2, …); 0 for a final Healthy/Inconclusive decision without a record.</summary>
    public int Number { get; }
    public HealthVerdict Verdict { get; }
    /// <summary>The deciding rule (the most severe finding); null for Healthy and Inconclusive.</summary>
    public string? Rule { get; }
    public string? Signal { get; }
    public string? Comparison { get; }
    public double? Threshold { get; }
    /// <summary>The signal's value in the deciding sample.</summary>
    public double? Value { get; }
    public string Phase { get; }
    /// <summary>When the deciding rule started breaching.</summary>
    public DateTimeOffset? Since { get; }
    public TimeSpan? SinceElapsed { get; }
    public DateTimeOffset DecidedAt { get; }
    public TimeSpan Elapsed { get; }
    /// <summary>Sequence number of the deciding sample.</summary>
    public int Sequence { get; }
    /// <summary>Every rule breaching at the deciding sample, most severe first.</summary>
    public IReadOnlyList<RuleFinding> Findings { get; }
    /// <summary>The samples that breached the deciding rule.</summary>
    public IReadOnlyList<BreachSample> BreachingSamples { get; }
    public IReadOnlyList<string> Reasons { get; }
    /// <summary>Samples taken when the decision was returned.</summary>
    public int SampleCount { get; }
    public string? RecordPath { get; }
    public bool RollbackTriggered { get; }
    /// <summary>The comparative judge's verdicts at the deciding sample: both versions' counts, rates and quantiles, the
    /// test, p-value and interval, thresholds and window (empty without <c>compare: baseline</c>).</summary>
    public IReadOnlyList<Comparison.BaselineComparison> Comparisons { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    internal HealthDecision With(int? sampleCount = null, string? recordPath = null, bool? rollbackTriggered = null) =>
        new(WatchId, DeploymentId, Number, Verdict, Rule, Signal, Comparison, Threshold, Value, Phase, Since, SinceElapsed, DecidedAt,
            Elapsed, Sequence, Findings, BreachingSamples, Reasons, sampleCount ?? SampleCount, recordPath ?? RecordPath,
            rollbackTriggered ?? RollbackTriggered, Comparisons);

    public override string ToString() => Rule is null
        ? $"{Verdict} after {SampleCount} sample(s)"
        : $"{Verdict}: {Rule} ({Signal} {SignalUnits.Format(Signal!, Value ?? 0)} {Comparison} {SignalUnits.Format(Signal!, Threshold ?? 0)}) since T+{DisplayFormat.Duration(SinceElapsed ?? TimeSpan.Zero)}, phase {Phase}";
}
