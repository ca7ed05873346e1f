using System.Globalization;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Reports;

/// <summary>How every renderer writes figures: UTC times, short durations, signal units, and "not recorded".</summary>
internal static class ReportText
{
    public const string NotRecorded = "not recorded";

    public static string Time(DateTimeOffset? t) =>
        t is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : NotRecorded;

    public static string Duration(double? seconds) =>
        seconds is { } s ? DisplayFormat.Duration(TimeSpan.FromSeconds(s)) : NotRecorded;

    public static string Value(string? signal, double? value) =>
        value is not { } v ? NotRecorded : signal is null ? Number(v) : SignalUnits.Format(signal, v);

    public static string Number(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Or(string? text) => string.IsNullOrEmpty(text) ? NotRecorded : text;

    /// <summary>"Healthy", or "Rollback: errorRate (errorRate 12% > 5%)": the decision with its rule, value and threshold.</summary>
    public static string Decision(ReportDecision d) => d.Rule is null
        ? d.Number == 0
            ? $"{d.Verdict} (verdict of the last recorded sample, no decision record)" + (d.Reasons.Count > 0 ? ": " + string.Join("; ", d.Reasons) : "")
            : d.Verdict
        : $"{d.Verdict}: rule {d.Rule} ({d.Signal} {Value(d.Signal, d.Value)} {d.Comparison} {Value(d.Signal, d.Threshold)})";

    /// <summary>The highest value of a signal over the recorded samples, or null when none was readable.</summary>
    public static double? Peak(IEnumerable<ReportSample> samples, Func<ReportSample, double?> signal) =>
        samples.Select(signal).Where(v => v.HasValue).Max();

    public static readonly string[] SignOffRoles = { "Deployed by (operator)", "Verified by", "Approved by (production owner)" };
}
