using System.Globalization;
using System.Text.Json.Serialization;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.Comparison;

/// <summary>What the comparative judge concluded for one rule in one sample.</summary>
public enum ComparisonOutcome
{
    /// <summary>Enough evidence, and the canary is not worse than the baseline by more than the allowed margin.</summary>
    Pass,
    /// <summary>The canary is worse by more than the allowed margin, and (for error rates) significantly so.</summary>
    Fail,
    /// <summary>Too little evidence, missing values, or a traffic drop: neither Pass nor Fail.</summary>
    Inconclusive,
}

/// <summary>One version's figures over the comparison window.</summary>
public sealed class VersionFigures
{
    /// <summary>Creates one version's figures (used by the engine and when a decision record is read back from
    /// JSON).</summary>
    [JsonConstructor]
    public VersionFigures(string version, double requests, double errors, double? errorRate, double latencyCount, double? p50,
        double? p95, double? p99)
    {
        Version = version;
        Requests = requests;
        Errors = errors;
        ErrorRate = errorRate;
        LatencyCount = latencyCount;
        P50 = p50;
        P95 = p95;
        P99 = p99;
    }

    /// <summary>The version's name in the signals (<c>canary</c>, <c>baseline</c>).</summary>
    public string Version { get; }
    /// <summary>Requests the version served in the window.</summary>
    public double Requests { get; }
    /// <summary>Requests among them answered with an error status.</summary>
    public double Errors { get; }
    /// <summary>Errors per request in the window, percent; null without requests.</summary>
    public double? ErrorRate { get; }
    /// <summary>Observations in the latency histogram over the window.</summary>
    public double LatencyCount { get; }
    /// <summary>Latency quantiles over the window, milliseconds; null without a histogram.</summary>
    public double? P50 { get; }
    /// <summary>95th percentile latency over the window, milliseconds; null without a histogram.</summary>
    public double? P95 { get; }
    /// <summary>99th percentile latency over the window, milliseconds; null without a histogram.</summary>
    public double? P99 { get; }

    /// <summary>"version errors/requests errors (rate%), p50/p95/p99 ms of count": the figures in one line.</summary>
    public override string ToString()
    {
        var text = $"{Version} {Num(Errors)}/{Num(Requests)} errors" + (ErrorRate is { } r ? $" ({Num(r, "0.###")}%)" : "");
        if (P50 is not null || P95 is not null || P99 is not null)
            text += $", p50/p95/p99 {Ms(P50)}/{Ms(P95)}/{Ms(P99)} ms of {Num(LatencyCount)}";
        return text;
    }

    private static string Ms(double? v) => v is { } x ? Num(x) : "-";
    internal static string Num(double v, string format = "0.#") => v.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>
/// The comparative judge's verdict for one rule (canary against baseline over the same window) and everything
/// it was decided from: both versions' counts, rates and quantiles, the test, its p-value and interval, the
/// thresholds and the window. Kept in samples, decisions and decision records, and recomputed by -Replay.
/// </summary>
public sealed class BaselineComparison
{
    /// <summary>Creates a verdict (used by the engine and when a decision record is read back from JSON).</summary>
    [JsonConstructor]
    public BaselineComparison(string rule, string signal, ComparisonOutcome outcome, RuleSeverity severity, TimeSpan window,
        TimeSpan windowStart, TimeSpan windowEnd, VersionFigures canary, VersionFigures baseline, string test, double? pValue,
        double? intervalLower, double? intervalUpper, double? confidence, double allowedIncrease, double allowedRatio,
        double? canaryValue, double? failThreshold, string explanation)
    {
        Rule = rule;
        Signal = signal;
        Outcome = outcome;
        Severity = severity;
        Window = window;
        WindowStart = windowStart;
        WindowEnd = windowEnd;
        Canary = canary;
        Baseline = baseline;
        Test = test;
        PValue = pValue;
        IntervalLower = intervalLower;
        IntervalUpper = intervalUpper;
        Confidence = confidence;
        AllowedIncrease = allowedIncrease;
        AllowedRatio = allowedRatio;
        CanaryValue = canaryValue;
        FailThreshold = failThreshold;
        Explanation = explanation;
    }

    /// <summary>The name of the health rule this verdict is for.</summary>
    public string Rule { get; }
    /// <summary>The compared signal: <c>errorRate</c>, <c>p50</c>, <c>p95</c> or <c>p99</c>.</summary>
    public string Signal { get; }
    /// <summary>Pass, Fail or Inconclusive for this rule in this sample.</summary>
    public ComparisonOutcome Outcome { get; }
    /// <summary>What a Fail leads to: Investigate or Rollback (the rule's severity).</summary>
    public RuleSeverity Severity { get; }
    /// <summary>The configured window length.</summary>
    public TimeSpan Window { get; }
    /// <summary>The elapsed times of the first and last sample the window summed (the same samples for both versions).</summary>
    public TimeSpan WindowStart { get; }
    /// <summary>The elapsed time of the last sample the window summed.</summary>
    public TimeSpan WindowEnd { get; }
    /// <summary>The canary's figures over the window.</summary>
    public VersionFigures Canary { get; }
    /// <summary>The baseline's (the version the canary is compared with) figures over the same window.</summary>
    public VersionFigures Baseline { get; }
    /// <summary>How the versions were compared (Fisher exact, two-proportion z, histogram quantiles).</summary>
    public string Test { get; }
    /// <summary>One-sided p-value of "the canary's error rate is higher" (error-rate rules).</summary>
    public double? PValue { get; }
    /// <summary>Interval of canary minus baseline at <see cref="Confidence"/>: percentage points (error rate, Newcombe's
    /// score interval) or milliseconds (latency: the quantiles' order-statistic intervals, canary's minus baseline's).</summary>
    public double? IntervalLower { get; }
    /// <summary>Upper end of the interval of canary minus baseline (same unit as <see
    /// cref="IntervalLower"/>).</summary>
    public double? IntervalUpper { get; }
    /// <summary>Confidence level of the interval, as a fraction (0.95); null when no interval was computed.</summary>
    public double? Confidence { get; }
    /// <summary>How much worse the canary may be: in the signal's unit (percentage points, ms) and as a factor.
    /// Only a canary worse by more than both fails.</summary>
    public double AllowedIncrease { get; }
    /// <summary>How much worse the canary may be as a factor of the baseline (1.5: up to 50 % worse).</summary>
    public double AllowedRatio { get; }
    /// <summary>The canary's figure for the signal, and the figure it fails above (both allowances applied).</summary>
    public double? CanaryValue { get; }
    /// <summary>The figure the canary fails above: the baseline's with both allowances applied (null without enough
    /// evidence).</summary>
    public double? FailThreshold { get; }
    /// <summary>The verdict in a sentence: the figures, the test and why it passed, failed or was
    /// inconclusive.</summary>
    public string Explanation { get; }

    /// <summary>"rule outcome: explanation".</summary>
    public override string ToString() => $"{Rule} {Outcome}: {Explanation}";
}
