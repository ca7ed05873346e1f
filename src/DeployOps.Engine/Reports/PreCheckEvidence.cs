using System.Collections;
using System.Globalization;
using System.Text.Json;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Files;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Reports;

/// <summary>
/// Keeps each pre-deployment check's result and evidence with the deployment
/// (<c>&lt;state&gt;/deployments/&lt;id&gt;/pre-checks.json</c>, beside the health samples): the journal holds only
/// the phase's summary, and the report people sign lists every check.
/// </summary>
internal static class PreCheckEvidence
{
    public const string FileName = "pre-checks.json";

    public static string PathFor(string stateDirectory, string deploymentId) =>
        Path.Combine(stateDirectory, "deployments", deploymentId, FileName);

    /// <summary>Writes the results (redacted). Evidence is not worth failing a deployment over: a write error is a warning.</summary>
    public static void Write(ConfigModel config, string deploymentId, PreDeploymentReport report, IOutputSink sink)
    {
        var path = PathFor(config.State.Directory, deploymentId);
        var checks = report.Results.Select(r => new ReportCheck(r.Name, r.Kind, r.Category, r.Status.ToString(),
            config.Redactor.Redact(r.Message), Math.Round(r.Duration.TotalMilliseconds, 1), config.Redactor.Redact(r.Target),
            r.Data.ToDictionary(kv => kv.Key, kv => config.Redactor.Redact(Text(kv.Value)), StringComparer.Ordinal))).ToList();
        try
        {
            AtomicFile.Write(path, JsonSerializer.Serialize(checks, ReportJson.Options), FileReaders.Owner);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            sink.WriteWarning($"Cannot keep the pre-deployment check evidence in {path}: {ex.Message}");
        }
    }

    /// <summary>The recorded checks, or null when none were recorded (or the file is unreadable: said in <paramref name="problem"/>).</summary>
    public static IReadOnlyList<ReportCheck>? Read(string stateDirectory, string deploymentId, out string? problem)
    {
        problem = null;
        var path = PathFor(stateDirectory, deploymentId);
        if (AtomicFile.ReadOrNull(path) is not { } text) return null;
        try
        {
            return JsonSerializer.Deserialize<List<ReportCheck>>(text, ReportJson.Options);
        }
        catch (JsonException ex)
        {
            problem = $"{path}: {ex.Message}";
            return null;
        }
    }

    // Check data holds numbers, strings, booleans and small lists; anything else shows as its text.
    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => string.Join(", ", items.Cast<object?>().Select(Text)),
        _ => value.ToString() ?? "",
    };
}
