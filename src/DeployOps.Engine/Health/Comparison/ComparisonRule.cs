using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.Comparison;

/// <summary>How an error-rate comparison decides that the canary's rate is higher.</summary>
internal enum ProportionTest
{
    /// <summary>One-sided Fisher exact test: right at any count, the default.</summary>
    Exact,
    /// <summary>Pooled two-proportion z-test: the normal approximation (large counts only).</summary>
    Z,
}

/// <summary>
/// A rule of the comparative judge (<c>health.compare: baseline</c>, <c>rules[].compare: baseline</c>): the canary's
/// <see cref="Signal"/> against the baseline's over the same <see cref="Window"/>. A canary fails only when it is worse
/// by more than <see cref="AllowedIncrease"/> (signal unit: percentage points, ms) AND by more than the factor
/// <see cref="AllowedRatio"/> — and, for error rates, significantly at <see cref="Confidence"/>.
/// </summary>
internal sealed class ComparisonRule
{
    public const string CanaryVersion = "canary";
    public const string BaselineVersion = "baseline";
    /// <summary>Observations expected above a quantile before it counts: p95 needs 200, p99 1000.</summary>
    public const double TailObservations = 10;

    public ComparisonRule(string name, string signal, double allowedIncrease, double allowedRatio, RuleSeverity severity,
        TimeSpan window, double confidence = 0.95, ProportionTest test = ProportionTest.Exact, int? minRequests = null,
        double trafficDropRatio = 0.2, TimeSpan @for = default, bool enabled = true)
    {
        if (!IsSupported(signal)) throw new ArgumentException($"signal '{signal}' cannot be compared with the baseline", nameof(signal));
        Name = name;
        Signal = signal;
        AllowedIncrease = allowedIncrease;
        AllowedRatio = allowedRatio;
        Severity = severity;
        Window = window;
        Confidence = confidence;
        Test = test;
        MinRequests = minRequests;
        TrafficDropRatio = trafficDropRatio;
        For = @for;
        Enabled = enabled;
    }

    public string Name { get; }
    public string Signal { get; }
    public double AllowedIncrease { get; }
    public double AllowedRatio { get; }
    public RuleSeverity Severity { get; }
    /// <summary>Counts of both versions are summed over the samples of this sliding window.</summary>
    public TimeSpan Window { get; }
    public double Confidence { get; }
    public ProportionTest Test { get; }
    /// <summary>Requests each version needs in the window; null: the policy's minRequests (error rate) or
    /// max(minLatencyRequests, 10 / (1 − q)) (latency quantile q).</summary>
    public int? MinRequests { get; }
    /// <summary>A version whose last interval brought fewer requests than this share of its earlier mean has lost its traffic.</summary>
    public double TrafficDropRatio { get; }
    public TimeSpan For { get; }
    public bool Enabled { get; }

    public bool IsErrorRate => Signal == HealthSignals.ErrorRate;

    /// <summary>The quantile a latency rule compares (0.5, 0.95, 0.99).</summary>
    public double Quantile => Signal switch { "p50" => 0.5, HealthSignals.P95 => 0.95, HealthSignals.P99 => 0.99, _ => double.NaN };

    public static bool IsSupported(string signal) => signal is HealthSignals.ErrorRate or "p50" or HealthSignals.P95 or HealthSignals.P99;

    public int MinimumFor(HealthPolicy policy) => MinRequests ?? (IsErrorRate
        ? policy.MinRequests
        : Math.Max(policy.MinLatencyRequests, (int)Math.Ceiling(TailObservations / (1 - Quantile) - 1e-9)));

    internal ComparisonRule Scaled(double factor) => factor == 1 ? this : new(Name, Signal, AllowedIncrease, AllowedRatio, Severity,
        TimeSpan.FromTicks((long)(Window.Ticks * factor)), Confidence, Test, MinRequests, TrafficDropRatio,
        TimeSpan.FromTicks((long)(For.Ticks * factor)), Enabled);

    internal ComparisonRule With(string? signal = null, double? allowedIncrease = null, double? allowedRatio = null, RuleSeverity? severity = null,
        TimeSpan? window = null, double? confidence = null, ProportionTest? test = null, int? minRequests = null, double? trafficDropRatio = null,
        TimeSpan? @for = null, bool? enabled = null) =>
        new(Name, signal ?? Signal, allowedIncrease ?? AllowedIncrease, allowedRatio ?? AllowedRatio, severity ?? Severity, window ?? Window,
            confidence ?? Confidence, test ?? Test, minRequests ?? MinRequests, trafficDropRatio ?? TrafficDropRatio, @for ?? For, enabled ?? Enabled);

    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// <c>compare: baseline</c>: error rate (+0.5 pp and 2×, Fisher exact at 95 %), p95 (+50 ms and +20 %) roll back;
    /// p50 and p99 (same margins) ask for investigation.
    /// </summary>
    public static IReadOnlyList<ComparisonRule> Defaults { get; } = new[]
    {
        new ComparisonRule("errorRateVsBaseline", HealthSignals.ErrorRate, 0.5, 2, RuleSeverity.Rollback, DefaultWindow),
        new ComparisonRule("p95VsBaseline", HealthSignals.P95, 50, 1.2, RuleSeverity.Rollback, DefaultWindow),
        new ComparisonRule("p50VsBaseline", "p50", 50, 1.2, RuleSeverity.Investigate, DefaultWindow),
        new ComparisonRule("p99VsBaseline", HealthSignals.P99, 50, 1.2, RuleSeverity.Investigate, DefaultWindow),
    };

    public override string ToString() =>
        $"{Name}: canary {Signal} vs baseline, worse by > {SignalUnits.Format(Signal, AllowedIncrease)}{(IsErrorRate ? " (pp)" : Signal == "p50" ? " ms" : "")} and > {AllowedRatio:0.##}×" +
        $"{(IsErrorRate ? $" at {Confidence:P0} ({Test})" : "")} over {Configuration.ValueParsers.FormatDuration(Window)} → {Severity}";
}
