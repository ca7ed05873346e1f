using DeployOps.Engine.Audit;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health;

/// <summary>The decision side of a watch, shared by the live watch and the replay: observation in, sample and decision out.</summary>
internal sealed class HealthRun
{
    private readonly HealthDecisionEngine _engine;
    private readonly Redactor _redactor;

    public HealthRun(HealthPolicy policy, Redactor redactor, string watchId, string? deploymentId)
    {
        _engine = new HealthDecisionEngine(policy);
        _redactor = redactor;
        WatchId = watchId;
        DeploymentId = deploymentId;
        Tracker = new DecisionTracker(watchId, deploymentId);
    }

    public string WatchId { get; }
    public string? DeploymentId { get; }
    public DecisionTracker Tracker { get; }

    public (HealthSample Sample, HealthDecision? NewDecision) Step(HealthObservation observation)
    {
        var evaluation = _engine.Evaluate(observation);
        var reasons = evaluation.Reasons.Select(_redactor.Redact).ToList();
        var sample = new HealthSample(observation.Sequence, observation.Time, observation.Elapsed, evaluation.Phase,
            evaluation.Verdict, observation.Signals, observation.Unreadable, observation.SourceErrors, observation.Notes, reasons,
            WatchId, DeploymentId, evaluation.Comparisons);
        // A sample keeps the verdict's reasons and the sources' notes apart (Reasons, Notes); a decision record has no
        // Notes, so its reasons carry them as evidence (why the endpoint failed, a counter reset, …).
        var decision = Tracker.Observe(observation, evaluation,
            reasons.Concat(observation.Notes.Select(_redactor.Redact)).Distinct(StringComparer.Ordinal).ToList());
        return (sample, decision);
    }
}
