using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Health;

/// <summary>
/// Keeps a watch's evidence with the deployment: every sample appended to
/// <c>&lt;state&gt;/deployments/&lt;id&gt;/health-samples.jsonl</c> and every decision in <c>decision-&lt;n&gt;.json</c>.
/// </summary>
internal sealed class HealthRecorder
{
    public const string SamplesFileName = "health-samples.jsonl";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly JsonSerializerOptions Indented = new(Json) { WriteIndented = true };
    private readonly Redactor _redactor;

    public HealthRecorder(string stateDirectory, string id, Redactor redactor)
    {
        _redactor = redactor;
        Directory = Path.Combine(stateDirectory, "deployments", id);
        SamplesPath = Path.Combine(Directory, SamplesFileName);
    }

    public string Directory { get; }
    public string SamplesPath { get; }

    public void Append(HealthSample sample, double timeScale)
    {
        var line = JsonSerializer.Serialize(RecordedSample.From(sample, timeScale), Json);
        Write(SamplesPath, _redactor.Redact(line) + "\n", append: true);
    }

    public string DecisionPath(HealthDecision decision) => Path.Combine(Directory, $"decision-{decision.Number}.json");

    public string WriteDecision(HealthDecision decision)
    {
        var path = DecisionPath(decision);
        Write(path, _redactor.Redact(JsonSerializer.Serialize(decision.With(recordPath: path), Indented)) + "\n", append: false);
        return path;
    }

    private void Write(string path, string text, bool append)
    {
        try
        {
            StateDirectory.Ensure(Directory);
            using var stream = PrivateFiles.Open(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read);
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(ErrorIds.HealthRecordWriteFailed, ErrorKind.PermissionDenied,
                $"Cannot write {path}: {ex.Message}", path, ex);
        }
    }
}

/// <summary>One line of health-samples.jsonl: the observation the engine decided from, and what it decided.</summary>
internal sealed class RecordedSample
{
    public int Sequence { get; init; }
    public DateTimeOffset Time { get; init; }
    public TimeSpan Elapsed { get; init; }
    public string Phase { get; init; } = "";
    public HealthVerdict Verdict { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = Array.Empty<string>();
    public Dictionary<string, double> Signals { get; init; } = new();
    public Dictionary<string, string> Unreadable { get; init; } = new();
    public IReadOnlyList<string> SourceErrors { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
    public string? WatchId { get; init; }
    public string? DeploymentId { get; init; }
    public double TimeScale { get; init; } = 1;

    public static RecordedSample From(HealthSample s, double timeScale) => new()
    {
        Sequence = s.Sequence,
        Time = s.Time,
        Elapsed = s.Elapsed,
        Phase = s.Phase,
        Verdict = s.Verdict,
        Reasons = s.Reasons,
        Signals = s.Signals.ToDictionary(kv => kv.Key, kv => kv.Value),
        Unreadable = s.Unreadable.ToDictionary(kv => kv.Key, kv => kv.Value),
        SourceErrors = s.SourceErrors,
        Notes = s.Notes,
        WatchId = s.WatchId,
        DeploymentId = s.DeploymentId,
        TimeScale = timeScale,
    };

    public HealthObservation ToObservation() => new(Sequence, Time, Elapsed, Signals, Unreadable, SourceErrors, Notes);
}
