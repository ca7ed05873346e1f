using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DeployOps.Engine.Backup;

/// <summary>
/// Checksums of a dump: the sha256 of a single-file (custom) dump, or for a directory dump the sha256 of every file
/// plus one combined sha256 over the sorted "name sha256" lines, so a changed, missing or added file is named and the
/// manifest's file list itself cannot be edited unnoticed.
/// </summary>
internal static class DumpChecksum
{
    /// <summary>sha256 of each file in a directory dump, <paramref name="jobs"/> files at a time.</summary>
    public static async Task<SortedDictionary<string, string>> FilesAsync(string directory, int jobs, CancellationToken ct)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var files = System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToList();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = ct },
            async (file, token) =>
            {
                var sha = await BackupStore.Sha256Async(file, token).ConfigureAwait(false);
                var name = Path.GetRelativePath(directory, file).Replace('\\', '/');
                lock (result) result[name] = sha;
            }).ConfigureAwait(false);
        return result;
    }

    public static string Combine(IReadOnlyDictionary<string, string> files)
    {
        var text = new StringBuilder();
        foreach (var (name, sha) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"{sha}  {name}\n");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
    }

    /// <summary>Bytes of a dump, file or directory.</summary>
    public static long Size(string path) => System.IO.Directory.Exists(path)
        ? new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
        : new FileInfo(path).Length;

    /// <summary>What differs between the dump on disk and its manifest; empty when it is intact.</summary>
    public static async Task<List<string>> ProblemsAsync(BackupManifest manifest, string path, int jobs, CancellationToken ct)
    {
        var problems = new List<string>();
        if (manifest.DumpFormat == BackupDumpFormat.Custom)
        {
            if (!File.Exists(path))
            {
                problems.Add($"the dump file {path} is missing");
                return problems;
            }
            var sha = await BackupStore.Sha256Async(path, ct).ConfigureAwait(false);
            if (!string.Equals(sha, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"sha256 mismatch: {path} is {sha} ({new FileInfo(path).Length:N0} bytes) but the manifest recorded {manifest.Sha256} ({manifest.Size:N0} bytes); the dump is corrupt");
            return problems;
        }

        if (!System.IO.Directory.Exists(path))
        {
            problems.Add($"the dump directory {path} is missing");
            return problems;
        }
        var expected = manifest.Files ?? new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!string.Equals(Combine(expected), manifest.Sha256, StringComparison.OrdinalIgnoreCase))
            problems.Add($"sha256 mismatch: the file list in the manifest of {manifest.Id} does not match its combined sha256 {manifest.Sha256}; the manifest was edited");
        var actual = await FilesAsync(path, jobs, ct).ConfigureAwait(false);
        foreach (var (name, sha) in expected)
        {
            if (!actual.TryGetValue(name, out var found)) problems.Add($"{name} is missing from the dump directory {path}; the dump is corrupt");
            else if (!string.Equals(found, sha, StringComparison.OrdinalIgnoreCase))
                problems.Add($"sha256 mismatch: {Path.Combine(path, name)} is {found} ({new FileInfo(Path.Combine(path, name)).Length:N0} bytes) but the manifest recorded {sha}; the dump is corrupt");
        }
        foreach (var name in actual.Keys.Where(n => !expected.ContainsKey(n)))
            problems.Add($"{Path.Combine(path, name)} is not part of the dump (not in its manifest); the dump was changed");
        return problems;
    }
}
