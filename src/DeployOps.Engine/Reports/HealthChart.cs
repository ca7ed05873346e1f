using System.Globalization;
using System.Text;
using static System.Net.WebUtility;

namespace DeployOps.Engine.Reports;

/// <summary>
/// The health samples around a deployment as inline SVG: one panel per charted signal (error rate, p95) over time,
/// the rules' thresholds as dashed lines, each decision and the rollback as marked vertical lines. No script, no
/// external resource: it renders from the file alone. Every label is HTML-encoded.
/// </summary>
internal static class HealthChart
{
    private const int Width = 1000, PanelHeight = 200, Left = 70, Right = 20, Top = 30, Gap = 60;

    private sealed record Panel(string Signal, string Title, string Color, Func<ReportSample, double?> Value);

    private static readonly Panel[] Panels =
    {
        new("errorRate", "Error rate (%)", "#c0392b", s => s.ErrorRate),
        new("p95", "p95 latency (ms)", "#2471a3", s => s.P95),
    };

    public static string Render(ReportHealth health, ReportRollback? rollback)
    {
        var samples = health.Samples;
        var marks = Marks(health, rollback);
        var times = samples.Select(s => s.Time).Concat(marks.Select(m => m.Time)).ToList();
        var from = times.Min();
        var span = Math.Max(1, (times.Max() - from).TotalSeconds);
        var height = Top + Panels.Length * (PanelHeight + Gap);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"Health samples: error rate and p95 over time\">");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
        var plotWidth = Width - Left - Right;
        double X(DateTimeOffset t) => Left + (t - from).TotalSeconds / span * plotWidth;

        for (var i = 0; i < Panels.Length; i++)
        {
            var panel = Panels[i];
            var top = Top + i * (PanelHeight + Gap);
            var thresholds = health.Thresholds.Where(t => t.Signal == panel.Signal).ToList();
            var max = samples.Select(panel.Value).Where(v => v.HasValue).Select(v => v!.Value)
                .Concat(thresholds.Select(t => t.Value)).DefaultIfEmpty(0).Max();
            max = max <= 0 ? 1 : max * 1.15;
            double Y(double v) => top + PanelHeight - v / max * PanelHeight;

            svg.Append(F($"<text x=\"{Left}\" y=\"{top - 8}\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">{HtmlEncode(panel.Title)}</text>"));
            svg.Append(F($"<rect x=\"{Left}\" y=\"{top}\" width=\"{plotWidth}\" height=\"{PanelHeight}\" fill=\"#fafafa\" stroke=\"#999\"/>"));
            foreach (var tick in new[] { 0, max / 2, max })
                svg.Append(F($"<text x=\"{Left - 6}\" y=\"{Y(tick) + 4:0.#}\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">{ReportText.Number(Math.Round(tick, 2))}</text>"));
            foreach (var t in thresholds)
                svg.Append(F($"<line class=\"threshold\" x1=\"{Left}\" x2=\"{Left + plotWidth}\" y1=\"{Y(t.Value):0.##}\" y2=\"{Y(t.Value):0.##}\" stroke=\"#e67e22\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"))
                   .Append(F($"<text x=\"{Left + plotWidth - 4}\" y=\"{Y(t.Value) - 4:0.#}\" font-size=\"11\" text-anchor=\"end\" fill=\"#e67e22\">{HtmlEncode($"{t.Rule}: {t.Comparison} {ReportText.Value(t.Signal, t.Value)}")}</text>"));
            foreach (var segment in Segments(samples, panel.Value))
                svg.Append(F($"<polyline fill=\"none\" stroke=\"{panel.Color}\" stroke-width=\"2\" points=\"{string.Join(" ", segment.Select(s => F($"{X(s.Time):0.##},{Y(panel.Value(s)!.Value):0.##}")))}\"/>"));
            foreach (var s in samples.Where(s => panel.Value(s).HasValue))
                svg.Append(F($"<circle cx=\"{X(s.Time):0.##}\" cy=\"{Y(panel.Value(s)!.Value):0.##}\" r=\"3\" fill=\"{panel.Color}\"><title>{HtmlEncode($"#{s.Sequence} {ReportText.Time(s.Time)}: {ReportText.Value(panel.Signal, panel.Value(s))} ({s.Verdict})")}</title></circle>"));
            foreach (var m in marks)
                svg.Append(F($"<line class=\"mark\" x1=\"{X(m.Time):0.##}\" x2=\"{X(m.Time):0.##}\" y1=\"{top}\" y2=\"{top + PanelHeight}\" stroke=\"{m.Color}\" stroke-width=\"2\"/>"))
                   .Append(F($"<text x=\"{X(m.Time) + 4:0.#}\" y=\"{top + 14}\" font-size=\"11\" fill=\"{m.Color}\">{HtmlEncode(m.Label)}</text>"));
            svg.Append(F($"<text x=\"{Left}\" y=\"{top + PanelHeight + 16}\" font-size=\"11\" fill=\"#555\">{HtmlEncode(ReportText.Time(from))}</text>"))
               .Append(F($"<text x=\"{Left + plotWidth}\" y=\"{top + PanelHeight + 16}\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">{HtmlEncode(ReportText.Time(from.AddSeconds(span)))}</text>"));
        }
        return svg.Append("</svg>").ToString();
    }

    private sealed record Mark(DateTimeOffset Time, string Label, string Color);

    private static List<Mark> Marks(ReportHealth health, ReportRollback? rollback)
    {
        var marks = health.Decisions.Select(d => new Mark(d.DecidedAt, $"decision {d.Number}: {d.Verdict}", "#8e44ad")).ToList();
        if (rollback?.StartedAt is { } started) marks.Add(new Mark(started, "rollback started", "#000000"));
        return marks;
    }

    // A sample whose signal was unreadable breaks the line instead of being drawn as zero.
    private static IEnumerable<List<ReportSample>> Segments(IReadOnlyList<ReportSample> samples, Func<ReportSample, double?> value)
    {
        var current = new List<ReportSample>();
        foreach (var s in samples)
        {
            if (value(s).HasValue) { current.Add(s); continue; }
            if (current.Count > 0) yield return current;
            current = new List<ReportSample>();
        }
        if (current.Count > 0) yield return current;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
