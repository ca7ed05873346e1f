namespace DeployOps.Engine.Health.Decision;

/// <summary>One sample that breached a rule: part of the evidence in a decision record.</summary>
public sealed class BreachSample
{
    public BreachSample(int sequence, DateTimeOffset time, TimeSpan elapsed, double value, double threshold)
    {
        Sequence = sequence;
        Time = time;
        Elapsed = elapsed;
        Value = value;
        Threshold = threshold;
    }

    public int Sequence { get; }
    public DateTimeOffset Time { get; }
    public TimeSpan Elapsed { get; }
    public double Value { get; }
    public double Threshold { get; }

    public override string ToString() =>
        $"#{Sequence} {DisplayFormat.Offset(Elapsed)}: {Value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} (threshold {Threshold.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)})";
}

/// <summary>A rule that is breaching now: fired (sustained for its duration) or still pending.</summary>
public sealed class RuleFinding
{
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

    public string Rule { get; }
    public string Signal { get; }
    public string Comparison { get; }
    public double Threshold { get; }
    public double Value { get; }
    public RuleSeverity Severity { get; }
    public TimeSpan For { get; }
    /// <summary>True when the breach has lasted at least <see cref="For"/> (the rule fired).</summary>
    public bool Sustained { get; }
    public TimeSpan SinceElapsed { get; }
    public DateTimeOffset Since { get; }
    public string Phase { get; }
    public IReadOnlyList<BreachSample> BreachingSamples { get; }

    public string Describe() =>
        $"{Rule}: {Signal} {SignalUnits.Format(Signal, Value)} {Comparison} {SignalUnits.Format(Signal, Threshold)} " +
        $"since T+{Format(SinceElapsed)}" +
        (Sustained
            ? (For > TimeSpan.Zero ? $" (sustained {Format(For)})" : "") + $" → {Severity}"
            : $" (pending: {Severity} after {Format(For)})");

    internal static string Format(TimeSpan t) => DisplayFormat.Duration(t);

    public override string ToString() => Describe();
}
