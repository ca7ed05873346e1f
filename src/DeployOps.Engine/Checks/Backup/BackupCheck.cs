using System.Globalization;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Backup;

/// <summary>Finds the most recently modified file matching the pattern and judges its age and size.</summary>
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

        var files = new DirectoryInfo(_directory).EnumerateFiles(_pattern,
            new EnumerationOptions { RecurseSubdirectories = _recursive, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None }).ToList();
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
}
