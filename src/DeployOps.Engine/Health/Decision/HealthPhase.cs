namespace DeployOps.Engine.Health.Decision;

/// <summary>
/// A stretch of the monitoring timeline: from <see cref="From"/> after the deployment until the next phase
/// starts, samples are taken every <see cref="Interval"/> and rules use the thresholds overridden here
/// (by rule name).
/// </summary>
internal sealed class HealthPhase
{
    public HealthPhase(string name, TimeSpan from, TimeSpan interval, IReadOnlyDictionary<string, double>? thresholds = null)
    {
        Name = name;
        From = from;
        Interval = interval;
        Thresholds = thresholds ?? new Dictionary<string, double>();
    }

    public string Name { get; }
    public TimeSpan From { get; }
    public TimeSpan Interval { get; }
    /// <summary>Rule name → threshold for this phase.</summary>
    public IReadOnlyDictionary<string, double> Thresholds { get; }

    internal HealthPhase Scaled(double factor) =>
        new(Name, TimeSpan.FromTicks((long)(From.Ticks * factor)), TimeSpan.FromTicks(Math.Max(1, (long)(Interval.Ticks * factor))), Thresholds);

    public override string ToString() => $"{Name} (T+{Configuration.ValueParsers.FormatDuration(From)}, every {Configuration.ValueParsers.FormatDuration(Interval)})";
}
