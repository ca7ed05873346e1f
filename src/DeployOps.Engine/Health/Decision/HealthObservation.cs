using System.Text.Json.Serialization;

namespace DeployOps.Engine.Health.Decision;

/// <summary>
/// What the signal sources saw in one interval: the engine's only input, and what is recorded so a replay can
/// decide again from exactly the same evidence. A signal is either a value, unreadable (with the reason), or
/// absent (no source provides it: rules on it do not apply).
/// </summary>
internal sealed class HealthObservation
{
    [JsonConstructor]
    public HealthObservation(int sequence, DateTimeOffset time, TimeSpan elapsed, IReadOnlyDictionary<string, double>? signals,
        IReadOnlyDictionary<string, string>? unreadable = null, IReadOnlyList<string>? sourceErrors = null,
        IReadOnlyList<string>? notes = null)
    {
        Sequence = sequence;
        Time = time;
        Elapsed = elapsed;
        Signals = signals ?? new Dictionary<string, double>();
        Unreadable = unreadable ?? new Dictionary<string, string>();
        SourceErrors = sourceErrors ?? Array.Empty<string>();
        Notes = notes ?? Array.Empty<string>();
    }

    public int Sequence { get; }
    public DateTimeOffset Time { get; }
    /// <summary>Time since the deployment (or the start of the watch).</summary>
    public TimeSpan Elapsed { get; }
    public IReadOnlyDictionary<string, double> Signals { get; }
    /// <summary>Signal → why it could not be read this interval.</summary>
    public IReadOnlyDictionary<string, string> Unreadable { get; }
    /// <summary>Scrape and query failures this interval (counted separately; never a reason to roll back).</summary>
    public IReadOnlyList<string> SourceErrors { get; }
    /// <summary>Facts worth keeping (e.g. a counter reset after a restart).</summary>
    public IReadOnlyList<string> Notes { get; }

    public double? Signal(string name) => Signals.TryGetValue(name, out var v) ? v : null;
}

/// <summary>The engine's answer for one observation.</summary>
internal sealed class HealthEvaluation
{
    public HealthEvaluation(HealthVerdict verdict, string phase, IReadOnlyList<string> reasons, IReadOnlyList<RuleFinding> findings,
        int consecutiveSourceErrors, IReadOnlyList<Comparison.BaselineComparison>? comparisons = null)
    {
        Comparisons = comparisons ?? Array.Empty<Comparison.BaselineComparison>();
        Verdict = verdict;
        Phase = phase;
        Reasons = reasons;
        Findings = findings;
        ConsecutiveSourceErrors = consecutiveSourceErrors;
    }

    public HealthVerdict Verdict { get; }
    public string Phase { get; }
    public IReadOnlyList<string> Reasons { get; }
    /// <summary>Rules breaching now (fired and pending), rollback rules first.</summary>
    public IReadOnlyList<RuleFinding> Findings { get; }
    public int ConsecutiveSourceErrors { get; }
    /// <summary>The comparative judge's verdicts for this sample (empty without comparison rules).</summary>
    public IReadOnlyList<Comparison.BaselineComparison> Comparisons { get; }
}
