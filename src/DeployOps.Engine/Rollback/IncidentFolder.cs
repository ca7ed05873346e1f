using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Rollback;

/// <summary>
/// The folder an incident's evidence goes to before anything is changed: the configuration, the deployment log, the
/// application's configured logs and the decision record, all redacted; the report is written into it at the end.
/// </summary>
internal sealed class IncidentFolder
{
    private IncidentFolder(string path) => Path = path;

    public string Path { get; }
    public List<string> Collected { get; } = new();
    public List<string> Problems { get; } = new();

    /// <summary><c>&lt;incidentDirectory&gt;/&lt;deploymentId&gt;</c>, with a time suffix when that deployment already has one.</summary>
    public static IncidentFolder Create(ConfigModel config, string deploymentId)
    {
        var root = config.Rollback.IncidentDirectory;
        var path = System.IO.Path.Combine(root, deploymentId);
        if (Directory.Exists(path))
            path += "-" + DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        // 0700 even when rollback.incidentDirectory is outside the state directory: incidents hold logs and config.
        PrivateFiles.EnsureDirectory(path);
        return new IncidentFolder(path);
    }

    public void Collect(ConfigModel config, DeploymentRecord record, string? decisionRecordPath)
    {
        CopyRedacted(config, config.FilePath, "config/" + System.IO.Path.GetFileName(config.FilePath), long.MaxValue);
        if (record.LogPath is { } log) CopyRedacted(config, log, "logs/deployment-" + System.IO.Path.GetFileName(log), config.Rollback.MaxLogBytes);
        foreach (var source in config.Rollback.LogPaths)
        {
            if (Directory.Exists(source))
            {
                foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
                    CopyRedacted(config, file, "logs/" + System.IO.Path.GetFileName(source) + "/" + System.IO.Path.GetRelativePath(source, file), config.Rollback.MaxLogBytes);
            }
            else CopyRedacted(config, source, "logs/" + System.IO.Path.GetFileName(source), config.Rollback.MaxLogBytes);
        }
        if (decisionRecordPath is not null) CopyRedacted(config, decisionRecordPath, IncidentName(decisionRecordPath), long.MaxValue);
    }

    /// <summary>A health decision record keeps its name (decision-2.json); any other file is prefixed to say what it is.</summary>
    internal static string IncidentName(string decisionRecordPath)
    {
        var name = System.IO.Path.GetFileName(decisionRecordPath);
        return name.StartsWith("decision", StringComparison.OrdinalIgnoreCase) ? name : "decision-" + name;
    }

    private void CopyRedacted(ConfigModel config, string source, string relative, long maxBytes)
    {
        try
        {
            if (!File.Exists(source))
            {
                Problems.Add(config.Redactor.Redact($"{source}: not found"));
                return;
            }
            var destination = System.IO.Path.Combine(Path, relative);
            string text;
            using (var stream = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                // A huge log keeps its end: that is where the incident is.
                if (stream.Length > maxBytes) stream.Seek(-maxBytes, SeekOrigin.End);
                using var reader = new StreamReader(stream);
                text = reader.ReadToEnd();
            }
            PrivateFiles.WriteAllText(destination, config.Redactor.Redact(text));
            Collected.Add(relative);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Problems.Add(config.Redactor.Redact($"{source}: {ex.Message}"));
        }
    }
}
