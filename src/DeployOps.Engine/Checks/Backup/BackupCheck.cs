using System.Globalization;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Backup;

/// <summary>
/// Finds the most recently modified backup matching the pattern — a file, or a pg_dump directory-format dump (a folder
/// with a toc.dat, as DeployOps writes by default) counted as one backup of its total size — and judges its age and size.
/// </summary>
internal sealed class BackupCheck : ICheck
{
    private readonly string _directory;
    private readonly string _pattern;
    private readonly bool _recursive;
    private readonly TimeSpan _maxAge;
    private readonly long _minSize;

    public BackupCheck(string directory, string pattern, bool recursive, TimeSpan maxAge, long minSize)
    {
        _directory = directory;
        _pattern = pattern;
        _recursive = recursive;
        _maxAge = maxAge;
        _minSize = minSize;
    }

    public string Target => Path.Combine(_directory, _pattern);

    public Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_directory))
            return Task.FromResult(CheckOutcome.Fail($"backup directory {_directory} does not exist"));

        var options = new EnumerationOptions { RecurseSubdirectories = _recursive, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None };
        var files = new DirectoryInfo(_directory).EnumerateFileSystemInfos(_pattern, options)
            .Select(Backup).OfType<(string FullName, DateTime LastWriteTimeUtc, long Length)>().ToList();
        var data = new Dictionary<string, object?>
        {
            ["directory"] = _directory,
            ["count"] = files.Count,
            ["maxAgeHours"] = Math.Round(_maxAge.TotalHours, 2),
        };
        if (files.Count == 0)
            return Task.FromResult(CheckOutcome.Fail($"no backup matching '{_pattern}' in {_directory}", data));

        var newest = files.MaxBy(f => f.LastWriteTimeUtc)!;
        var modified = new DateTimeOffset(newest.LastWriteTimeUtc, TimeSpan.Zero);
        var age = DateTimeOffset.UtcNow - modified;
        var name = Path.GetRelativePath(_directory, newest.FullName);
        data["newestFile"] = name;
        data["modified"] = modified.ToString("o", CultureInfo.InvariantCulture);
        data["ageHours"] = Math.Round(age.TotalHours, 2);
        data["sizeBytes"] = newest.Length;

        var described = $"newest backup {name} in {_directory}";
        CheckOutcome outcome =
            age > _maxAge ? CheckOutcome.Fail($"{described} is {ValueParsers.FormatDuration(age)} old, older than the {ValueParsers.FormatDuration(_maxAge)} limit", data)
            : newest.Length < _minSize ? CheckOutcome.Fail($"{described} is only {ValueParsers.FormatSize(newest.Length)} (minSize {ValueParsers.FormatSize(_minSize)})", data)
            : age < -TimeSpan.FromMinutes(5) ? CheckOutcome.Warn($"{described} is dated {ValueParsers.FormatDuration(-age)} in the future; check the clocks", data)
            : CheckOutcome.Pass($"{described} is {ValueParsers.FormatDuration(age < TimeSpan.Zero ? TimeSpan.Zero : age)} old ({ValueParsers.FormatSize(newest.Length)}; limit {ValueParsers.FormatDuration(_maxAge)})", data);
        return Task.FromResult(outcome);
    }

    /// <summary>A file as it is; a directory dump as its toc.dat's time (pg_dump writes it last) and the size of all its files.</summary>
    private static (string FullName, DateTime LastWriteTimeUtc, long Length)? Backup(FileSystemInfo entry)
    {
        if (entry is FileInfo file)
            return file.Directory is { } parent && File.Exists(Path.Combine(parent.FullName, "toc.dat"))
                ? null // a piece of a directory dump (found by a recursive search): the dump counts as a whole
                : (file.FullName, file.LastWriteTimeUtc, file.Length);
        var dir = (DirectoryInfo)entry;
        var toc = new FileInfo(Path.Combine(dir.FullName, "toc.dat"));
        if (!toc.Exists) return null;
        var size = dir.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return (dir.FullName, toc.LastWriteTimeUtc, size);
    }
}
