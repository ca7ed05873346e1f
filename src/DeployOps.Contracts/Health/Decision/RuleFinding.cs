namespace DeployOps.Engine.Health.Decision;

/// <summary>One sample that breached a rule: part of the evidence in a decision record.</summary>
public sealed class BreachSample
{
    /// <summary>Creates a breaching sample (used by the engine and when a decision record is read back from
    /// JSON).</summary>
    public BreachSample(int sequence, DateTimeOffset time, TimeSpan elapsed, double value, double threshold)
    {
        Sequence = sequence;
        Time = time;
        Elapsed = elapsed;
        Value = value;
        Threshold = threshold;
    }

    /// <summary>The sample's sequence number in its watch (1 for the first).</summary>
    public int Sequence { get; }
    /// <summary>When the sample was taken.</summary>
    public DateTimeOffset Time { get; }
    /// <summary>Time since the deployment (or the start of the watch) when the sample was taken.</summary>
    public TimeSpan Elapsed { get; }
    /// <summary>The signal's value in that sample, in the signal's unit (<see cref="SignalUnits"/>).</summary>
    public double Value { get; }
    /// <summary>The threshold in force for that sample (it can change with the timeline phase).</summary>
    public double Threshold { get; }

    /// <summary>"#sequence T+offset: value (threshold t)".</summary>
    public override string ToString() =>
        $"#{Sequence} {DisplayFormat.Offset(Elapsed)}: {Value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} (threshold {Threshold.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)})";
}

/// <summary>A rule that is breaching now: fired (sustained for its duration) or still pending.</summary>
public sealed class RuleFinding
{
    /// <summary>Creates a finding (used by the engine and when a decision record is read back from JSON).</summary>
    public RuleFinding(string rule, string signal, string comparison, double threshold, double value, RuleSeverity severity,
        TimeSpan @for, bool sustained, TimeSpan sinceElapsed, DateTimeOffset since, string phase, IReadOnlyList<BreachSample> breachingSamples)
    {
        Rule = rule;
        Signal = signal;
        Comparison = comparison;
        Threshold = threshold;
        Value = value;
        Severity = severity;
        For = @for;
        Sustained = sustained;
        SinceElapsed = sinceElapsed;
        Since = since;
        Phase = phase;
        BreachingSamples = breachingSamples;
    }

    /// <summary>The rule's name (health.rules[].name or a built-in rule such as errorRate or crash).</summary>
    public string Rule { get; }
    /// <summary>The signal the rule watches (<see cref="HealthSignals"/> or a custom query's name).</summary>
    public string Signal { get; }
    /// <summary>How the value is compared with the threshold: "&gt;", "&gt;=", "&lt;" or "&lt;=".</summary>
    public string Comparison { get; }
    /// <summary>The threshold in force in the current timeline phase, in the signal's unit.</summary>
    public double Threshold { get; }
    /// <summary>The signal's value in the latest sample, in the signal's unit.</summary>
    public double Value { get; }
    /// <summary>What the rule does once sustained: Investigate or Rollback.</summary>
    public RuleSeverity Severity { get; }
    /// <summary>How long the breach must last before the rule fires (the rule's for:; zero fires at once).</summary>
    public TimeSpan For { get; }
    /// <summary>True when the breach has lasted at least <see cref="For"/> (the rule fired).</summary>
    public bool Sustained { get; }
    /// <summary>When the breach started, as time since the deployment (or the start of the watch).</summary>
    public TimeSpan SinceElapsed { get; }
    /// <summary>When the breach started.</summary>
    public DateTimeOffset Since { get; }
    /// <summary>The timeline phase (early, settling, stable, baseline or a configured one) of the latest
    /// sample.</summary>
    public string Phase { get; }
    /// <summary>The samples of the current breach, oldest first.</summary>
    public IReadOnlyList<BreachSample> BreachingSamples { get; }

    /// <summary>The finding in one line: "rule: signal value comparison threshold since T+t", then "(sustained d) →
    /// severity" or "(pending: severity after d)".</summary>
    public string Describe() =>
        $"{Rule}: {Signal} {SignalUnits.Format(Signal, Value)} {Comparison} {SignalUnits.Format(Signal, Threshold)} " +
        $"since T+{Format(SinceElapsed)}" +
        (Sustained
            ? (For > TimeSpan.Zero ? $" (sustained {Format(For)})" : "") + $" → {Severity}"
            : $" (pending: {Severity} after {Format(For)})");

    internal static string Format(TimeSpan t) => DisplayFormat.Duration(t);

    /// <summary>The same line as <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();
}
