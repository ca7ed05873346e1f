using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Reports;

/// <summary>
/// Post-deployment verification as HealthRecorder kept it: the samples (health-samples.jsonl) and every decision
/// record (decision-&lt;n&gt;.json) of the deployment. Thresholds come from the decision records when they name the
/// rule, else from the configuration's rules (marked as such: the configuration may have changed since).
/// </summary>
internal static class ReportHealthReader
{
    private static readonly string[] Charted = { HealthSignals.ErrorRate, HealthSignals.P95 };

    public static ReportHealth? Read(ConfigModel config, string id, IOutputSink sink)
    {
        var directory = Path.Combine(config.State.Directory, "deployments", id);
        var samples = Samples(Path.Combine(directory, HealthRecorder.SamplesFileName), sink);
        var decisions = Decisions(directory, sink);
        if (samples.Count == 0 && decisions.Count == 0) return null;
        var final = decisions.Count > 0 ? decisions[^1] : FromLastSample(samples[^1]);
        return new ReportHealth(samples, Thresholds(config, decisions), decisions, final);
    }

    private static List<ReportSample> Samples(string path, IOutputSink sink)
    {
        if (!File.Exists(path)) return new List<ReportSample>();
        try
        {
            return HealthReplay.Read(path).Select(s => new ReportSample(s.Sequence, s.Time, Math.Round(s.Elapsed.TotalSeconds, 3),
                s.Phase, s.Verdict.ToString(), Signal(s.Signals, HealthSignals.ErrorRate), Signal(s.Signals, HealthSignals.P95),
                Signal(s.Signals, HealthSignals.Requests), s.Reasons)).ToList();
        }
        catch (DeployOpsException ex)
        {
            sink.WriteWarning($"Health samples unreadable, reported as not recorded: {ex.Message}");
            return new List<ReportSample>();
        }
    }

    private static double? Signal(IReadOnlyDictionary<string, double> signals, string name) =>
        signals.TryGetValue(name, out var v) && double.IsFinite(v) ? v : null;

    private static List<ReportDecision> Decisions(string directory, IOutputSink sink)
    {
        var result = new List<(int Number, ReportDecision Decision)>();
        if (!Directory.Exists(directory)) return new List<ReportDecision>();
        foreach (var file in Directory.EnumerateFiles(directory, "decision-*.json"))
        {
            try
            {
                var d = JsonSerializer.Deserialize<HealthDecision>(File.ReadAllText(file), HealthRecorder.Json)
                    ?? throw new JsonException("empty file");
                result.Add((d.Number, new ReportDecision(d.Number, d.Verdict.ToString(), d.Rule, d.Signal, d.Comparison, d.Value,
                    d.Threshold, d.DecidedAt, d.Phase, d.RollbackTriggered, file, d.Reasons)));
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                sink.WriteWarning($"Decision record {file} unreadable, left out of the report: {ex.Message}");
            }
        }
        return result.OrderBy(d => d.Number).Select(d => d.Decision).ToList();
    }

    // No decision record (no rule fired, or the watch was stopped before writing it): the last sample's verdict and reasons.
    private static ReportDecision FromLastSample(ReportSample last) => new(0, last.Verdict, null, null, null, null, null,
        last.Time, last.Phase, false, null, last.Reasons);

    private static IReadOnlyList<ReportThreshold> Thresholds(ConfigModel config, IReadOnlyList<ReportDecision> decisions)
    {
        var result = new List<ReportThreshold>();
        foreach (var d in decisions)
            if (d.Rule is not null && d.Signal is not null && d.Threshold is { } t && Charted.Contains(d.Signal)
                && !result.Any(r => r.Rule == d.Rule))
                result.Add(new ReportThreshold(d.Rule, d.Signal, d.Comparison ?? "", t, "decision record"));
        foreach (var rule in config.Health.Policy.Rules)
            if (rule.Enabled && Charted.Contains(rule.Signal) && !result.Any(r => r.Rule == rule.Name))
                result.Add(new ReportThreshold(rule.Name, rule.Signal, rule.Operator, rule.Threshold, "configuration"));
        return result;
    }
}
