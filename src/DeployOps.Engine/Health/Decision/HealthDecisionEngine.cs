namespace DeployOps.Engine.Health.Decision;

/// <summary>
/// The decision matrix applied to a stream of observations. Pure: no clock, no I/O, so a replay of recorded
/// observations reaches exactly the same verdicts.
/// <list type="bullet">
/// <item>A rule breaches when its signal is readable and compares to the phase's threshold; it fires once the
/// breach has lasted its sustained duration. A readable sample that does not breach ends the breach; an
/// unreadable one neither extends nor ends it.</item>
/// <item>Traffic-based signals are unreadable when the sample holds fewer requests than their minimum (errorRate:
/// minRequests; p95/p99: the lower minLatencyRequests): a quiet window is never evidence either way.</item>
/// <item>Scrape and query errors are counted separately: below the limit the previous verdict stands (a
/// Rollback stands only as Investigate), at the limit the verdict is Inconclusive. A failed scrape is never a
/// reason to roll back.</item>
/// </list>
/// </summary>
internal sealed class HealthDecisionEngine
{
    private const int MaxBreachSamplesKept = 50;
    private readonly HealthPolicy _policy;
    private readonly Dictionary<string, RuleState> _states = new(StringComparer.Ordinal);
    private int _consecutiveSourceErrors;
    private HealthVerdict? _previous;
    private readonly Comparison.BaselineJudge _judge;
    private readonly BurnRate.BurnRateJudge _burn;

    public HealthDecisionEngine(HealthPolicy policy)
    {
        _policy = policy;
        _judge = new Comparison.BaselineJudge(policy);
        _burn = new BurnRate.BurnRateJudge(policy);
    }

    public HealthPolicy Policy => _policy;

    public HealthEvaluation Evaluate(HealthObservation observation)
    {
        var phase = _policy.PhaseAt(observation.Elapsed);
        var reasons = new List<string>();
        var unreadable = new Dictionary<string, string>(observation.Unreadable, StringComparer.Ordinal);
        var signals = new Dictionary<string, double>(observation.Signals, StringComparer.Ordinal);
        GateByTraffic(signals, unreadable);
        DerivedSignals.Add(signals, unreadable);

        var findings = new List<RuleFinding>();
        // One reason per unreadable signal, naming the rules it leaves without evidence: several rules read the same
        // signal (errorRate and errorRateWarning, latencyP95 and latencyP95Warning), and one line per rule said the
        // same thing twice.
        var unreadableSignals = new Dictionary<string, (string Why, List<string> Rules)>(StringComparer.Ordinal);
        foreach (var rule in _policy.Rules.Where(r => r.Enabled))
        {
            if (!_states.TryGetValue(rule.Name, out var state)) _states[rule.Name] = state = new RuleState();
            if (signals.TryGetValue(rule.Signal, out var value) && !double.IsNaN(value))
            {
                var threshold = _policy.ThresholdOf(rule, phase);
                var averaged = rule.ForMode == ForMode.Average && rule.For > TimeSpan.Zero;
                if (averaged) value = state.Average(observation.Elapsed, value, rule.For);
                if (!rule.Breaches(value, threshold)) { state.Reset(); continue; }
                state.Breach(observation, value, threshold);
                // Average: the mean over the trailing for: window, judged once the watch's readings span it.
                var sustained = averaged ? state.Covers(observation.Elapsed, rule.For) : observation.Elapsed - state.SinceElapsed >= rule.For;
                findings.Add(new RuleFinding(rule.Name, rule.Signal, rule.Operator, threshold, value, rule.Severity, rule.For,
                    sustained, state.SinceElapsed, state.Since, phase.Name, state.Samples.ToList()));
            }
            else if (unreadable.TryGetValue(rule.Signal, out var why) || observation.Signals.ContainsKey(rule.Signal))
            {
                if (!unreadableSignals.TryGetValue(rule.Signal, out var entry))
                    unreadableSignals[rule.Signal] = entry = (why ?? "not a number", new List<string>());
                entry.Rules.Add(rule.Name);
            }
        }
        var comparisons = _judge.Judge(observation);
        var inconclusive = JudgeComparisons(comparisons, observation, phase, findings);
        var burning = JudgeBurnRates(observation, phase, findings, inconclusive);
        findings.Sort((a, b) => Rank(b).CompareTo(Rank(a)));
        var unreadableRules = unreadableSignals
            .Select(kv => $"{kv.Key} unreadable ({kv.Value.Why}): {(kv.Value.Rules.Count == 1 ? "rule" : "rules")} {string.Join(", ", kv.Value.Rules)}")
            .Concat(inconclusive)
            .ToList();

        _consecutiveSourceErrors = observation.SourceErrors.Count > 0 ? _consecutiveSourceErrors + 1 : 0;
        var verdict = Decide(findings, unreadableRules, observation, reasons);
        // A verdict explains every comparison behind it, passed ones included (both versions' evidence).
        foreach (var text in comparisons.Select(c => c.ToString()).Concat(burning)) if (!reasons.Contains(text)) reasons.Add(text);
        _previous = verdict;
        return new HealthEvaluation(verdict, phase.Name, reasons, findings, _consecutiveSourceErrors, comparisons);
    }

    /// <summary>
    /// A failed comparison breaches like a rule (its own for: and severity); a passed one ends the breach; an
    /// inconclusive one neither extends nor ends it and is returned as a reason the verdict lacks evidence.
    /// </summary>
    private List<string> JudgeComparisons(IReadOnlyList<Comparison.BaselineComparison> comparisons, HealthObservation observation,
        HealthPhase phase, List<RuleFinding> findings)
    {
        var inconclusive = new List<string>();
        foreach (var c in comparisons)
        {
            var rule = _policy.Comparisons.First(r => r.Name == c.Rule);
            if (!_states.TryGetValue(rule.Name, out var state)) _states[rule.Name] = state = new RuleState();
            switch (c.Outcome)
            {
                case Comparison.ComparisonOutcome.Pass: state.Reset(); break;
                case Comparison.ComparisonOutcome.Inconclusive: inconclusive.Add(c.ToString()); break;
                default:
                    state.Breach(observation, c.CanaryValue ?? 0, c.FailThreshold ?? 0);
                    findings.Add(new RuleFinding(rule.Name, rule.Signal, "> baseline allowance", c.FailThreshold ?? 0, c.CanaryValue ?? 0,
                        rule.Severity, rule.For, observation.Elapsed - state.SinceElapsed >= rule.For, state.SinceElapsed, state.Since,
                        phase.Name, state.Samples.ToList()));
                    break;
            }
        }
        return inconclusive;
    }

    private HealthVerdict Decide(List<RuleFinding> findings, List<string> unreadableRules, HealthObservation observation, List<string> reasons)
    {
        foreach (var finding in findings) reasons.Add(finding.Describe());
        if (findings.Any(f => f.Sustained && f.Severity == RuleSeverity.Rollback)) return HealthVerdict.Rollback;
        if (findings.Count > 0) return HealthVerdict.Investigate;

        if (_consecutiveSourceErrors > 0)
        {
            var errors = string.Join("; ", observation.SourceErrors);
            if (_consecutiveSourceErrors >= _policy.MaxSourceErrors)
            {
                reasons.Add($"{_consecutiveSourceErrors} consecutive samples with scrape/query errors (limit {_policy.MaxSourceErrors}): {errors}");
                return HealthVerdict.Inconclusive;
            }
            reasons.Add($"scrape/query error {_consecutiveSourceErrors} of {_policy.MaxSourceErrors} tolerated, previous verdict held: {errors}");
            return _previous switch
            {
                null => HealthVerdict.Inconclusive,
                HealthVerdict.Rollback => HealthVerdict.Investigate,
                { } held => held,
            };
        }

        if (unreadableRules.Count > 0)
        {
            reasons.AddRange(unreadableRules);
            return HealthVerdict.Inconclusive;
        }
        return HealthVerdict.Healthy;
    }

    private void GateByTraffic(Dictionary<string, double> signals, Dictionary<string, string> unreadable)
    {
        var counted = signals.TryGetValue(HealthSignals.Requests, out var requests);
        if (!counted && !unreadable.ContainsKey(HealthSignals.Requests)) return;
        foreach (var signal in _policy.EvidenceSignals)
        {
            // Latency has its own, lower minimum: it is judged on the requests there were (a slowdown cuts traffic).
            var minimum = _policy.MinRequestsFor(signal);
            var why = !counted ? "request count unreadable: " + unreadable[HealthSignals.Requests]
                : requests < minimum ? $"too little traffic: {requests:0} requests in the window, at least {minimum} needed"
                : null;
            if (why is null) continue;
            if (signals.Remove(signal) || unreadable.ContainsKey(signal)) unreadable[signal] = why;
        }
    }

    /// <summary>Firing burn-rate rules become findings (their explanations are returned); too little traffic is a reason for Inconclusive.</summary>
    private List<string> JudgeBurnRates(HealthObservation observation, HealthPhase phase, List<RuleFinding> findings, List<string> inconclusive)
    {
        var explanations = new List<string>();
        foreach (var b in _burn.Judge(observation))
        {
            if (!_states.TryGetValue(b.Rule.Name, out var state)) _states[b.Rule.Name] = state = new RuleState();
            if (b.Unreadable is { } why) { inconclusive.Add($"{BurnRate.BurnRateRule.Signal} unreadable ({why}): rule {b.Rule.Name}"); continue; }
            if (!b.Fires) { state.Reset(); continue; }
            state.Breach(observation, b.Value, b.Factor);
            findings.Add(new RuleFinding(b.Rule.Name, BurnRate.BurnRateRule.Signal, ">=", b.Factor, b.Value, b.Rule.Severity, TimeSpan.Zero, true,
                state.SinceElapsed, state.Since, phase.Name, state.Samples.ToList()));
            explanations.Add(b.Explanation);
        }
        return explanations;
    }

    private static int Rank(RuleFinding f) => (f.Severity == RuleSeverity.Rollback ? 2 : 0) + (f.Sustained ? 1 : 0);

    private sealed class RuleState
    {
        public TimeSpan SinceElapsed { get; private set; }
        public DateTimeOffset Since { get; private set; }
        public bool Active { get; private set; }
        public Queue<BreachSample> Samples { get; } = new();

        public void Breach(HealthObservation o, double value, double threshold)
        {
            if (!Active)
            {
                Active = true;
                SinceElapsed = o.Elapsed;
                Since = o.Time;
            }
            Samples.Enqueue(new BreachSample(o.Sequence, o.Time, o.Elapsed, value, threshold));
            while (Samples.Count > MaxBreachSamplesKept) Samples.Dequeue();
        }

        public void Reset()
        {
            Active = false;
            Samples.Clear();
        }

        private readonly List<(TimeSpan Elapsed, double Value)> _readings = new();

        /// <summary>Adds a readable value and returns the mean of those in the trailing <paramref name="window"/>.</summary>
        public double Average(TimeSpan now, double value, TimeSpan window)
        {
            _readings.Add((now, value));
            var first = _readings[0].Elapsed;
            _readings.RemoveAll(r => r.Elapsed <= now - window);
            _firstReading ??= first;
            return _readings.Average(r => r.Value);
        }

        private TimeSpan? _firstReading;

        public bool Covers(TimeSpan now, TimeSpan window) => _firstReading is { } first && now - first >= window;
    }
}
