using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeployOps.Engine.Maintenance;

/// <summary>
/// What every mechanism records about the maintenance window (flag file content, Redis value, a comment in the
/// nginx include file), so any one of them tells who switched it on, when, why and until when.
/// </summary>
internal sealed record MaintenanceInfo(
    DateTimeOffset Since,
    string Reason,
    string By,
    string Host,
    string? DeploymentId,
    DateTimeOffset? ExpectedEnd,
    string Application,
    string Environment)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The info in a stored value, or null when it is not ours / not readable.</summary>
    public static MaintenanceInfo? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JsonSerializer.Deserialize<MaintenanceInfo>(text, Json); }
        catch (JsonException) { return null; }
    }
}
