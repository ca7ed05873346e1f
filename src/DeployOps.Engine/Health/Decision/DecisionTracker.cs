namespace DeployOps.Engine.Health.Decision;

/// <summary>
/// Turns the verdicts of a watch into decisions: a new numbered decision whenever the verdict becomes Rollback or
/// Investigate or the rules behind it change, and the final decision of the watch. Pure, so a replay numbers
/// and explains its decisions exactly as the live watch did.
/// </summary>
internal sealed class DecisionTracker
{
    private readonly string _watchId;
    private readonly string? _deploymentId;
    private HealthDecision? _lastRecorded;
    private HealthDecision? _firstRollback;
    private HealthDecision? _lastInvestigate;
    private HealthEvaluation? _lastEvaluation;
    private HealthObservation? _lastObservation;
    private IReadOnlyList<string> _lastReasons = Array.Empty<string>();
    private int _number;

    public DecisionTracker(string watchId, string? deploymentId)
    {
        _watchId = watchId;
        _deploymentId = deploymentId;
    }

    public int SampleCount { get; private set; }

    /// <summary>The new decision this sample makes (to be recorded), or null when nothing changed.</summary>
    public HealthDecision? Observe(HealthObservation observation, HealthEvaluation evaluation, IReadOnlyList<string> reasons)
    {
        SampleCount++;
        _lastEvaluation = evaluation;
        _lastObservation = observation;
        _lastReasons = reasons;
        if (evaluation.Verdict is not (HealthVerdict.Rollback or HealthVerdict.Investigate)) { _lastRecorded = null; return null; }
        if (evaluation.Findings.Count == 0) return null; // a verdict held through a scrape error: nothing new to explain
        if (_lastRecorded is { } last && last.Verdict == evaluation.Verdict &&
            last.Findings.Select(Key).SequenceEqual(evaluation.Findings.Select(Key))) return null;

        var decision = Build(++_number, observation, evaluation, reasons);
        _lastRecorded = decision;
        if (decision.Verdict == HealthVerdict.Rollback) _firstRollback ??= decision;
        else _lastInvestigate = decision;
        return decision;
    }

    /// <summary>Replaces a decision by the same one carrying where its record was stored.</summary>
    public void Stored(HealthDecision decision)
    {
        if (_lastRecorded?.Number == decision.Number) _lastRecorded = decision;
        if (_firstRollback?.Number == decision.Number) _firstRollback = decision;
        if (_lastInvestigate?.Number == decision.Number) _lastInvestigate = decision;
    }

    /// <summary>The decision for the verdict of the last sample (used when a watch stops on a condition).</summary>
    public HealthDecision Current() => _lastRecorded?.With(sampleCount: SampleCount) ?? Unrecorded();

    /// <summary>
    /// The watch's overall answer: its first Rollback, else its last Investigate, else the last sample's verdict
    /// (Healthy or Inconclusive).
    /// </summary>
    public HealthDecision Final() =>
        (_firstRollback ?? _lastInvestigate)?.With(sampleCount: SampleCount) ?? Unrecorded();

    private HealthDecision Unrecorded()
    {
        if (_lastEvaluation is null || _lastObservation is null)
            return new HealthDecision(_watchId, _deploymentId, 0, HealthVerdict.Inconclusive, null, null, null, null, null, "",
                null, null, DateTimeOffset.UtcNow, TimeSpan.Zero, 0, Array.Empty<RuleFinding>(), Array.Empty<BreachSample>(),
                new[] { "no sample was taken" }, 0, null, false);
        return new HealthDecision(_watchId, _deploymentId, 0, _lastEvaluation.Verdict, null, null, null, null, null, _lastEvaluation.Phase,
            null, null, _lastObservation.Time, _lastObservation.Elapsed, _lastObservation.Sequence, _lastEvaluation.Findings,
            Array.Empty<BreachSample>(), _lastReasons, SampleCount, null, false, _lastEvaluation.Comparisons);
    }

    private HealthDecision Build(int number, HealthObservation o, HealthEvaluation e, IReadOnlyList<string> reasons)
    {
        var primary = e.Findings[0];
        return new HealthDecision(_watchId, _deploymentId, number, e.Verdict, primary.Rule, primary.Signal, primary.Comparison,
            primary.Threshold, primary.Value, e.Phase, primary.Since, primary.SinceElapsed, o.Time, o.Elapsed, o.Sequence, e.Findings,
            primary.BreachingSamples, reasons, SampleCount, null, false, e.Comparisons);
    }

    private static string Key(RuleFinding f) => $"{f.Rule}:{f.Sustained}";
}
