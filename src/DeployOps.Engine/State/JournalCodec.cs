using System.Text.Json;
using System.Text.Json.Serialization;
using DeployOps.Engine.Audit;

namespace DeployOps.Engine.State;

/// <summary>One JSON object per journal event; shared by the file lines and the PostgreSQL rows.</summary>
internal static class JournalCodec
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record Line(long Seq, DateTimeOffset Time, string Kind, string? Phase, string? Step, string? Detail,
        Dictionary<string, string>? Data);

    public static string Encode(JournalEvent e) =>
        JsonSerializer.Serialize(new Line(e.Sequence, e.Time, e.Kind.ToString(), e.Phase, e.Step, e.Detail,
            e.Data.Count == 0 ? null : new Dictionary<string, string>(e.Data)), Json);

    /// <summary>Null for a line that is not a complete event (torn by a crash mid-write).</summary>
    public static JournalEvent? Decode(string text)
    {
        try
        {
            var line = JsonSerializer.Deserialize<Line>(text, Json);
            if (line is null || !Enum.TryParse<JournalEventKind>(line.Kind, out var kind)) return null;
            return new JournalEvent(kind, line.Phase, line.Step, line.Detail, line.Data, line.Time, line.Seq);
        }
        catch (JsonException) { return null; }
    }

    /// <summary>Every text the journal stores passes the configuration's redactor.</summary>
    public static JournalEvent Redact(JournalEvent e, Redactor redactor, long sequence) =>
        new(e.Kind, Opt(e.Phase, redactor), Opt(e.Step, redactor), Opt(e.Detail, redactor),
            e.Data.ToDictionary(kv => kv.Key, kv => redactor.Redact(kv.Value)), e.Time, sequence);

    private static string? Opt(string? text, Redactor redactor) => text is null ? null : redactor.Redact(text);

    public static string RecordJson(DeploymentRecord record) =>
        JsonSerializer.Serialize(record, new JsonSerializerOptions(Json) { WriteIndented = true, Converters = { new JsonStringEnumConverter() } });
}
