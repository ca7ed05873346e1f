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
    /// <summary>Creates a decision (used by the engine and when a decision record is read back from JSON).</summary>
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

    /// <summary>The id of the watch that made the decision (its samples file carries the same id).</summary>
    public string WatchId { get; }
    /// <summary>The deployment the watch judged; null when it watched without one.</summary>
    public string? DeploymentId { get; }
    /// <summary>Number of the decision record (1, 2, …); 0 for a final Healthy/Inconclusive decision without a record.</summary>
    public int Number { get; }
    /// <summary>Healthy, Investigate, Rollback or Inconclusive.</summary>
    public HealthVerdict Verdict { get; }
    /// <summary>The deciding rule (the most severe finding); null for Healthy and Inconclusive.</summary>
    public string? Rule { get; }
    /// <summary>The deciding rule's signal (<see cref="HealthSignals"/>); null for Healthy and Inconclusive.</summary>
    public string? Signal { get; }
    /// <summary>How the deciding rule compares: "&gt;", "&gt;=", "&lt;" or "&lt;="; null for Healthy and
    /// Inconclusive.</summary>
    public string? Comparison { get; }
    /// <summary>The deciding rule's threshold in the signal's unit; null for Healthy and Inconclusive.</summary>
    public double? Threshold { get; }
    /// <summary>The signal's value in the deciding sample.</summary>
    public double? Value { get; }
    /// <summary>The timeline phase (early, settling, stable, baseline or a configured one) when the decision was
    /// made.</summary>
    public string Phase { get; }
    /// <summary>When the deciding rule started breaching.</summary>
    public DateTimeOffset? Since { get; }
    /// <summary>When the deciding rule started breaching, as time since the deployment (or the start of the watch);
    /// null for Healthy and Inconclusive.</summary>
    public TimeSpan? SinceElapsed { get; }
    /// <summary>When the decision was made.</summary>
    public DateTimeOffset DecidedAt { get; }
    /// <summary>Time since the deployment (or the start of the watch) when the decision was made.</summary>
    public TimeSpan Elapsed { get; }
    /// <summary>Sequence number of the deciding sample.</summary>
    public int Sequence { get; }
    /// <summary>Every rule breaching at the deciding sample, most severe first.</summary>
    public IReadOnlyList<RuleFinding> Findings { get; }
    /// <summary>The samples that breached the deciding rule.</summary>
    public IReadOnlyList<BreachSample> BreachingSamples { get; }
    /// <summary>Why, in sentences: every finding, unreadable signal and comparison that led to the verdict.</summary>
    public IReadOnlyList<string> Reasons { get; }
    /// <summary>Samples taken when the decision was returned.</summary>
    public int SampleCount { get; }
    /// <summary>The JSON decision record written for it; null when none was written (Healthy, Inconclusive, or
    /// -WhatIf).</summary>
    public string? RecordPath { get; }
    /// <summary>True when this decision started a rollback (Watch-DeploymentHealth -AutoRollback).</summary>
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

    /// <summary>"verdict: rule (signal value comparison threshold) since T+t, phase p", or "verdict after N
    /// sample(s)".</summary>
    public override string ToString() => Rule is null
        ? $"{Verdict} after {SampleCount} sample(s)"
        : $"{Verdict}: {Rule} ({Signal} {SignalUnits.Format(Signal!, Value ?? 0)} {Comparison} {SignalUnits.Format(Signal!, Threshold ?? 0)}) since T+{DisplayFormat.Duration(SinceElapsed ?? TimeSpan.Zero)}, phase {Phase}";
}
