namespace DeployOps.Engine.Health.Decision;

/// <summary>
/// Everything the decision engine decides with: the rules, the timeline phases, and the evidence requirements.
/// <see cref="Default"/> is the runbooks' decision matrix and monitoring timeline.
/// </summary>
internal sealed class HealthPolicy
{
    public const int DefaultMinRequests = 50;
    public const int DefaultMaxSourceErrors = 4;
    /// <summary>Requests a percentile needs (capped at <see cref="MinRequests"/>): a slowdown cuts closed-loop traffic, and
    /// the latency it causes must stay readable on the requests there were.</summary>
    public const int DefaultMinLatencyRequests = 20;
    private readonly int? _minLatencyRequests;

    public HealthPolicy(IReadOnlyList<HealthRule> rules, IReadOnlyList<HealthPhase> phases, int minRequests = DefaultMinRequests,
        int maxSourceErrors = DefaultMaxSourceErrors, IReadOnlyList<string>? evidenceSignals = null, int? minLatencyRequests = null,
        IReadOnlyList<Comparison.ComparisonRule>? comparisons = null, IReadOnlyList<BurnRate.BurnRateRule>? burnRates = null)
    {
        BurnRates = burnRates ?? Array.Empty<BurnRate.BurnRateRule>();
        Comparisons = comparisons ?? Array.Empty<Comparison.ComparisonRule>();
        _minLatencyRequests = minLatencyRequests;
        if (phases.Count == 0) throw new ArgumentException("at least one phase is required", nameof(phases));
        Rules = rules;
        Phases = phases.OrderBy(p => p.From).ToList();
        MinRequests = minRequests;
        MaxSourceErrors = maxSourceErrors;
        EvidenceSignals = evidenceSignals ?? DefaultEvidenceSignals;
    }

    public static readonly IReadOnlyList<string> DefaultEvidenceSignals =
        new[] { HealthSignals.ErrorRate, HealthSignals.P95, HealthSignals.P99 };

    /// <summary>Evidence signals gated by <see cref="MinLatencyRequests"/> instead of <see cref="MinRequests"/>.</summary>
    public static readonly IReadOnlyList<string> LatencySignals = new[] { HealthSignals.P95, HealthSignals.P99 };

    public IReadOnlyList<HealthRule> Rules { get; }
    public IReadOnlyList<HealthPhase> Phases { get; }
    /// <summary>Canary-against-baseline rules of the comparative judge (<c>compare: baseline</c>); empty by default.</summary>
    public IReadOnlyList<Comparison.ComparisonRule> Comparisons { get; }
    /// <summary>Error-budget rules (<c>kind: burnRate</c>); empty by default.</summary>
    public IReadOnlyList<BurnRate.BurnRateRule> BurnRates { get; }
    /// <summary>Fewer requests than this in a sample make its traffic-based signals unreadable (not evidence).</summary>
    public int MinRequests { get; }
    /// <summary>
    /// Fewer requests than this make p95/p99 unreadable; by default <see cref="DefaultMinLatencyRequests"/>, never more
    /// than <see cref="MinRequests"/> unless configured so.
    /// </summary>
    public int MinLatencyRequests => _minLatencyRequests ?? Math.Min(DefaultMinLatencyRequests, MinRequests);

    /// <summary>The minimum number of requests in a sample for <paramref name="signal"/> to count as evidence.</summary>
    public int MinRequestsFor(string signal) => LatencySignals.Contains(signal) ? MinLatencyRequests : MinRequests;

    /// <summary>Consecutive samples with scrape or query errors after which the watch reports Inconclusive.</summary>
    public int MaxSourceErrors { get; }
    /// <summary>Signals computed from requests and therefore gated by <see cref="MinRequests"/>.</summary>
    public IReadOnlyList<string> EvidenceSignals { get; }

    public HealthPhase PhaseAt(TimeSpan elapsed)
    {
        var current = Phases[0];
        foreach (var phase in Phases) if (phase.From <= elapsed) current = phase;
        return current;
    }

    public double ThresholdOf(HealthRule rule, HealthPhase phase) =>
        phase.Thresholds.TryGetValue(rule.Name, out var t) ? t : rule.Threshold;

    /// <summary>The same policy with every duration multiplied by <paramref name="factor"/> (tests and drills compress time).</summary>
    public HealthPolicy Scaled(double factor) => factor == 1 ? this :
        new(Rules.Select(r => r.Scaled(factor)).ToList(), Phases.Select(p => p.Scaled(factor)).ToList(), MinRequests, MaxSourceErrors, EvidenceSignals, _minLatencyRequests,
            Comparisons.Select(c => c.Scaled(factor)).ToList(), BurnRates.Select(b => b.Scaled(factor)).ToList());

    public HealthPolicy With(int? minRequests = null, int? maxSourceErrors = null, IReadOnlyList<HealthRule>? rules = null,
        IReadOnlyList<HealthPhase>? phases = null, int? minLatencyRequests = null, IReadOnlyList<Comparison.ComparisonRule>? comparisons = null,
        IReadOnlyList<BurnRate.BurnRateRule>? burnRates = null) =>
        new(rules ?? Rules, phases ?? Phases, minRequests ?? MinRequests, maxSourceErrors ?? MaxSourceErrors, EvidenceSignals,
            minLatencyRequests ?? _minLatencyRequests, comparisons ?? Comparisons, burnRates ?? BurnRates);

    /// <summary>The runbooks' decision matrix.</summary>
    public static IReadOnlyList<HealthRule> DefaultRules { get; } = new[]
    {
        new HealthRule("errorRate", HealthSignals.ErrorRate, RuleComparison.Above, 5, TimeSpan.FromMinutes(5), RuleSeverity.Rollback),
        new HealthRule("errorRateWarning", HealthSignals.ErrorRate, RuleComparison.Above, 1, TimeSpan.Zero, RuleSeverity.Investigate),
        new HealthRule("latencyP95", HealthSignals.P95, RuleComparison.Above, 5000, TimeSpan.Zero, RuleSeverity.Rollback),
        new HealthRule("latencyP95Warning", HealthSignals.P95, RuleComparison.Above, 2000, TimeSpan.Zero, RuleSeverity.Investigate),
        new HealthRule("crash", HealthSignals.HealthDown, RuleComparison.AtLeast, 3, TimeSpan.Zero, RuleSeverity.Rollback),
        // A refused connection is the application being down, seen at once; crash (3 probes in a row) decides the rollback.
        new HealthRule("appDown", HealthSignals.Refused, RuleComparison.AtLeast, 1, TimeSpan.Zero, RuleSeverity.Investigate),
        new HealthRule("databaseDown", HealthSignals.DbDown, RuleComparison.AtLeast, 2, TimeSpan.Zero, RuleSeverity.Rollback),
        new HealthRule("databaseSlow", HealthSignals.DbLatency, RuleComparison.Above, 100, TimeSpan.Zero, RuleSeverity.Investigate),
        // "No connection leaks: connection pool stable."
        new HealthRule("connectionLeak", HealthSignals.DbConnectionGrowth, RuleComparison.Above, 10, TimeSpan.Zero, RuleSeverity.Investigate),
        new HealthRule("memoryGrowth", HealthSignals.MemoryGrowth, RuleComparison.Above, 100, TimeSpan.Zero, RuleSeverity.Rollback),
        // "WebSocket down → immediate rollback": one failed handshake or echo is enough.
        new HealthRule("websocketDown", HealthSignals.WebSocketDown, RuleComparison.AtLeast, 1, TimeSpan.Zero, RuleSeverity.Rollback),
        // The seeds: CPU or memory above 80 % of what the application may use (its cgroup's limit when it has one) is Investigate.
        new HealthRule("cpuPercent", HealthSignals.CpuPercent, RuleComparison.Above, 80, TimeSpan.Zero, RuleSeverity.Investigate),
        new HealthRule("memoryPercent", HealthSignals.MemoryPercent, RuleComparison.Above, 80, TimeSpan.Zero, RuleSeverity.Investigate),
        new HealthRule("redisDown", HealthSignals.RedisDown, RuleComparison.AtLeast, 3, TimeSpan.Zero, RuleSeverity.Investigate),
        // A release that slows or breaks requests cuts the traffic it serves: the drop itself is evidence (issue 13).
        new HealthRule("throughputDrop", HealthSignals.ThroughputDrop, RuleComparison.Above, 50, TimeSpan.Zero, RuleSeverity.Investigate),
        // "Request count increasing (traffic flowing)" after maintenance exit: off until given a floor for the service.
        new HealthRule("trafficFlowing", HealthSignals.RequestRate, RuleComparison.Below, 1, TimeSpan.Zero, RuleSeverity.Investigate, enabled: false),
        // The seeds: a single error in the logs is OK (monitor); a new error pattern or a rate well above before is Investigate.
        new HealthRule("logNewPattern", HealthSignals.LogNewPatterns, RuleComparison.AtLeast, 1, TimeSpan.Zero, RuleSeverity.Investigate),
        new HealthRule("logErrorSpike", HealthSignals.LogErrorIncrease, RuleComparison.Above, 5, TimeSpan.Zero, RuleSeverity.Investigate),
    };

    /// <summary>The runbooks' timeline: tighter error thresholds as the deployment ages, then the matrix baseline.</summary>
    public static IReadOnlyList<HealthPhase> DefaultPhases { get; } = new[]
    {
        new HealthPhase("early", TimeSpan.Zero, TimeSpan.FromMinutes(1), new Dictionary<string, double> { ["errorRate"] = 5 }),
        new HealthPhase("settling", TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), new Dictionary<string, double> { ["errorRate"] = 2 }),
        new HealthPhase("stable", TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), new Dictionary<string, double> { ["errorRate"] = 1 }),
        new HealthPhase("baseline", TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(30)),
    };

    public static HealthPolicy Default { get; } = new(DefaultRules, DefaultPhases);
}
