using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.BurnRate;

/// <summary>One alerting pair of the multi-window, multi-burn-rate rule: both windows must burn at least <see cref="Factor"/>.</summary>
internal sealed class BurnWindow
{
    public BurnWindow(TimeSpan @long, TimeSpan @short, double factor)
    {
        Long = @long;
        Short = @short;
        Factor = factor;
    }

    public TimeSpan Long { get; }
    /// <summary>The short window makes the alert stop soon after the burning stops (SRE workbook, ch. 5).</summary>
    public TimeSpan Short { get; }
    /// <summary>Burn rate: the error ratio divided by the error budget (1 − SLO); 1 spends the budget exactly over the SLO period.</summary>
    public double Factor { get; }

    internal BurnWindow Scaled(double f) => new(TimeSpan.FromTicks((long)(Long.Ticks * f)), TimeSpan.FromTicks((long)(Short.Ticks * f)), Factor);

    public override string ToString() =>
        $"{ValueParsers.FormatDuration(Long)}/{ValueParsers.FormatDuration(Short)} at {Factor.ToString("0.##", CultureInfo.InvariantCulture)}×";
}

/// <summary>
/// An error-budget rule (<c>kind: burnRate</c>): judged against the service's objective instead of a fixed
/// percentage. It fires when, for any of its <see cref="Windows"/>, the error ratio over both the long and the
/// short window burns the budget at least that window's factor — by default the SRE workbook's paging pairs:
/// 1 h / 5 m at 14.4× (2 % of a 30-day budget in an hour) and 6 h / 30 m at 6× (5 % in six hours).
/// </summary>
internal sealed class BurnRateRule
{
    public const string Signal = "burnRate";

    public BurnRateRule(string name, double objective, IReadOnlyList<BurnWindow> windows, RuleSeverity severity, bool enabled = true)
    {
        if (objective is <= 0 or >= 100) throw new ArgumentOutOfRangeException(nameof(objective), "the SLO must be between 0 % and 100 %");
        Name = name;
        Objective = objective;
        Windows = windows;
        Severity = severity;
        Enabled = enabled;
    }

    public string Name { get; }
    /// <summary>The SLO target in percent of good requests (99.9).</summary>
    public double Objective { get; }
    /// <summary>The error budget as an error rate in percent (0.1 for 99.9 %).</summary>
    public double Budget => 100 - Objective;
    public IReadOnlyList<BurnWindow> Windows { get; }
    public RuleSeverity Severity { get; }
    public bool Enabled { get; }

    public static IReadOnlyList<BurnWindow> DefaultWindows { get; } = new[]
    {
        new BurnWindow(TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), 14.4),
        new BurnWindow(TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), 6),
    };

    internal BurnRateRule Scaled(double factor) => factor == 1 ? this : new(Name, Objective, Windows.Select(w => w.Scaled(factor)).ToList(), Severity, Enabled);

    public override string ToString() =>
        $"{Name}: error budget of SLO {Objective.ToString("0.###", CultureInfo.InvariantCulture)}% burning at {string.Join(" or ", Windows)} → {Severity}";
}
