using System.Globalization;

namespace DeployOps.Engine.Health.Decision;

internal enum RuleComparison
{
    /// <summary>value &gt; threshold</summary>
    Above,
    /// <summary>value &gt;= threshold</summary>
    AtLeast,
    /// <summary>value &lt; threshold</summary>
    Below,
    /// <summary>value &lt;= threshold</summary>
    AtMost,
}

/// <summary>How a rule's <c>for:</c> duration is judged.</summary>
internal enum ForMode
{
    /// <summary>Every readable sample breached for the whole duration (Prometheus' <c>for:</c>); the default.</summary>
    All,
    /// <summary>The mean of the readable samples of the trailing duration breaches (once the watch has lasted it).</summary>
    Average,
}

/// <summary>
/// One rule of the decision matrix, as data: when <see cref="Signal"/> compares to <see cref="Threshold"/> for at
/// least <see cref="For"/>, the verdict is <see cref="Severity"/>. Timeline phases may override the threshold by
/// rule name.
/// </summary>
internal sealed class HealthRule
{
    public HealthRule(string name, string signal, RuleComparison comparison, double threshold, TimeSpan @for,
        RuleSeverity severity, bool enabled = true, ForMode forMode = ForMode.All)
    {
        ForMode = forMode;
        Name = name;
        Signal = signal;
        Comparison = comparison;
        Threshold = threshold;
        For = @for;
        Severity = severity;
        Enabled = enabled;
    }

    public string Name { get; }
    public string Signal { get; }
    public RuleComparison Comparison { get; }
    public double Threshold { get; }
    /// <summary>How long the breach must last before the rule fires; zero fires on the first breaching sample.</summary>
    public TimeSpan For { get; }
    public RuleSeverity Severity { get; }
    public bool Enabled { get; }
    public ForMode ForMode { get; }

    public bool Breaches(double value, double threshold) => Comparison switch
    {
        RuleComparison.Above => value > threshold,
        RuleComparison.AtLeast => value >= threshold,
        RuleComparison.Below => value < threshold,
        _ => value <= threshold,
    };

    public string Operator => Comparison switch
    {
        RuleComparison.Above => ">",
        RuleComparison.AtLeast => ">=",
        RuleComparison.Below => "<",
        _ => "<=",
    };

    internal HealthRule With(string? signal = null, RuleComparison? comparison = null, double? threshold = null,
        TimeSpan? @for = null, RuleSeverity? severity = null, bool? enabled = null, ForMode? forMode = null) =>
        new(Name, signal ?? Signal, comparison ?? Comparison, threshold ?? Threshold, @for ?? For, severity ?? Severity, enabled ?? Enabled,
            forMode ?? ForMode);

    internal HealthRule Scaled(double factor) => With(@for: TimeSpan.FromTicks((long)(For.Ticks * factor)));

    public override string ToString() =>
        $"{Name}: {Signal} {Operator} {SignalUnits.Format(Signal, Threshold)}{(For > TimeSpan.Zero ? (ForMode == ForMode.Average ? " on average over " : " for ") + Configuration.ValueParsers.FormatDuration(For) : "")} → {Severity}";
}

