using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DeployOps.Engine.Files;
using DeployOps.Engine.State;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Backup;

/// <summary>
/// The backup directory: <c>&lt;id&gt;.dump</c> (a file, or a folder for directory-format dumps) beside <c>&lt;id&gt;.json</c>. A dump is written as <c>.partial</c> and
/// renamed only when complete, and the manifest is written last, so a listed backup always has its whole dump.
/// </summary>
internal sealed class BackupStore
{
    public const string DumpExtension = ".dump";
    public const string ManifestExtension = ".json";
    public const string PartialExtension = ".partial";

    public BackupStore(string directory) => Directory = directory;

    public string Directory { get; }

    public string Ensure() => StateDirectory.Ensure(Directory);

    /// <summary>database-yyyyMMddTHHmmssZ, with a suffix when two backups land in the same second.</summary>
    public string NewId(string database, DateTimeOffset now)
    {
        var safe = new string(database.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray());
        var id = $"{safe}-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var candidate = id;
        for (var n = 2; File.Exists(ManifestPath(candidate)) || Path.Exists(DumpPath(candidate)) || Path.Exists(DumpPath(candidate) + PartialExtension); n++)
            candidate = $"{id}-{n}";
        return candidate;
    }

    public string DumpPath(string id) => Path.Combine(Directory, id + DumpExtension);
    public string ManifestPath(string id) => Path.Combine(Directory, id + ManifestExtension);

    /// <summary>Every readable manifest, newest first; unreadable ones are reported through <paramref name="onProblem"/>.</summary>
    public IReadOnlyList<BackupManifest> List(Action<string>? onProblem = null)
    {
        if (!System.IO.Directory.Exists(Directory)) return Array.Empty<BackupManifest>();
        var result = new List<BackupManifest>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*" + ManifestExtension))
        {
            try
            {
                var m = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllText(file), BackupManifest.Json);
                if (m is not null && m.Id.Length > 0) result.Add(m);
                else onProblem?.Invoke($"{file} is not a backup manifest");
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                onProblem?.Invoke($"Cannot read backup manifest {file}: {ex.Message}");
            }
        }
        return result.OrderByDescending(m => m.Created).ThenByDescending(m => m.Id, StringComparer.Ordinal).ToList();
    }

    public BackupManifest? Find(string id) => List().FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal));

    /// <summary>Writes to a temporary file and renames it over the old one, so a reader never sees half a manifest.</summary>
    public void Write(BackupManifest manifest)
    {
        Ensure();
        var path = ManifestPath(manifest.Id);
        AtomicFile.Write(path, JsonSerializer.Serialize(manifest, BackupManifest.Json), FileReaders.Owner);
    }

    /// <summary>Deletes the dump and its manifest together (manifest first: a dump without one is never listed).</summary>
    public void Delete(BackupManifest manifest)
    {
        File.Delete(ManifestPath(manifest.Id));
        DeleteDump(Path.Combine(Directory, manifest.File));
    }

    /// <summary>Deletes a dump file or a directory dump (and everything in it); nothing when it is not there.</summary>
    public static void DeleteDump(string path)
    {
        if (System.IO.Directory.Exists(path)) System.IO.Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    public static async Task<string> Sha256Async(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var hash = await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false);
        return Convert.ToHexString(hash).ToLowerInvariant();
    }
}
