using System.Text.Json;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Health;

/// <summary>What a replay found: the samples judged again, the decisions, and where they differ from the recording.</summary>
internal sealed class HealthReplayResult
{
    internal HealthReplayResult(IReadOnlyList<HealthSample> samples, IReadOnlyList<HealthDecision> decisions, HealthDecision decision,
        IReadOnlyList<string> differences)
    {
        Samples = samples;
        Decisions = decisions;
        Decision = decision;
        Differences = differences;
    }

    public IReadOnlyList<HealthSample> Samples { get; }
    /// <summary>Every Rollback/Investigate decision the replay made, numbered as a live watch numbers them.</summary>
    public IReadOnlyList<HealthDecision> Decisions { get; }
    /// <summary>The overall decision (as a watch returns it).</summary>
    public HealthDecision Decision { get; }
    /// <summary>Samples whose replayed verdict differs from the recorded one (empty: the recording is reproduced).</summary>
    public IReadOnlyList<string> Differences { get; }
    public bool ReproducesRecording => Differences.Count == 0;
}

/// <summary>
/// Runs the decision engine offline over recorded samples (<c>health-samples.jsonl</c>), with the recorded
/// policy or a new one — so an operator can test new thresholds against last week's incident.
/// </summary>
internal static class HealthReplay
{
    /// <summary>Replays with <paramref name="policy"/> (null: the default policy), scaled as the recording was unless <paramref name="timeScale"/> says otherwise.</summary>
    public static HealthReplayResult Run(string samplesFile, HealthPolicy? policy = null, double? timeScale = null, Redactor? redactor = null)
    {
        var recorded = Read(samplesFile);
        var scale = timeScale ?? recorded.FirstOrDefault()?.TimeScale ?? 1;
        var effective = (policy ?? HealthPolicy.Default).Scaled(scale > 0 ? scale : 1);
        var first = recorded.FirstOrDefault();
        var run = new HealthRun(effective, redactor ?? new Redactor(), first?.WatchId ?? Path.GetFileNameWithoutExtension(samplesFile), first?.DeploymentId);
        var samples = new List<HealthSample>();
        var decisions = new List<HealthDecision>();
        var differences = new List<string>();
        foreach (var line in recorded)
        {
            var (sample, decision) = run.Step(line.ToObservation());
            samples.Add(sample);
            if (decision is not null) decisions.Add(decision);
            if (sample.Verdict != line.Verdict)
                differences.Add($"sample {line.Sequence} (T+{ValueParsers.FormatDuration(line.Elapsed)}): recorded {line.Verdict}, replayed {sample.Verdict}");
        }
        return new HealthReplayResult(samples, decisions, run.Tracker.Final(), differences);
    }

    /// <summary>Replay for Watch-DeploymentHealth -Replay: the configuration's policy, samples and decision to the sink.</summary>
    public static Task<HealthDecision> RunAsync(ConfigModel config, string samplesFile, IOutputSink sink, double? timeScale = null,
        CancellationToken cancellationToken = default)
    {
        sink = ConfigBoundSink.For(sink, config);
        var result = Run(samplesFile, config.Health.Policy, timeScale, config.Redactor);
        foreach (var sample in result.Samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sink.WriteRecord(sample);
        }
        foreach (var decision in result.Decisions) sink.WriteVerbose(config.Redactor.Redact($"Decision {decision.Number}: {decision}"));
        foreach (var difference in result.Differences) sink.WriteVerbose(config.Redactor.Redact("Differs from the recording: " + difference));
        sink.WriteVerbose(result.ReproducesRecording
            ? $"Replay of {result.Samples.Count} sample(s) reproduces the recorded verdicts."
            : $"Replay differs from the recording in {result.Differences.Count} of {result.Samples.Count} sample(s).");
        return Task.FromResult(ConfigBinding.Bind(result.Decision, config.FilePath));
    }

    internal static IReadOnlyList<RecordedSample> Read(string samplesFile)
    {
        if (!File.Exists(samplesFile))
            throw new DeployOpsException(ErrorIds.HealthReplayNotFound, ErrorKind.ObjectNotFound, $"Samples file not found: {samplesFile}", samplesFile);
        var result = new List<RecordedSample>();
        var number = 0;
        foreach (var line in File.ReadLines(samplesFile))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            try
            {
                result.Add(JsonSerializer.Deserialize<RecordedSample>(line, HealthRecorder.Json)
                    ?? throw new JsonException("empty line"));
            }
            catch (JsonException ex)
            {
                throw new DeployOpsException(ErrorIds.HealthReplayInvalid, ErrorKind.InvalidData,
                    $"{samplesFile}, line {number}: not a recorded health sample ({ex.Message})", samplesFile, ex);
            }
        }
        return result;
    }
}
