using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Disk;

/// <summary>Free space as the deploying user can use it (quota and root reserve excluded), from statvfs / GetDiskFreeSpaceEx.</summary>
internal sealed class DiskCheck : ICheck
{
    private readonly string _path;
    private readonly long _minFree;
    private readonly long? _warnFree;

    public DiskCheck(string path, long minFree, long? warnFree)
    {
        _path = path;
        _minFree = minFree;
        _warnFree = warnFree;
    }

    public string Target => _path;

    public Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_path) && !File.Exists(_path))
            return Task.FromResult(CheckOutcome.Fail($"path {_path} does not exist"));

        // On Unix DriveInfo takes any path and asks statvfs about its file system; Windows wants the volume root.
        var drive = new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(_path)! : _path);
        var free = drive.AvailableFreeSpace;
        var total = drive.TotalSize;
        var mount = MountPoint(_path);
        var data = new Dictionary<string, object?>
        {
            ["path"] = _path,
            ["mount"] = mount,
            ["freeBytes"] = free,
            ["totalBytes"] = total,
            ["usedPercent"] = total > 0 ? Math.Round(100.0 * (total - free) / total, 1) : null,
            ["minFreeBytes"] = _minFree,
        };
        var where = mount is null || mount == _path ? _path : $"{_path} (file system {mount})";
        var freeText = $"{ValueParsers.FormatSize(free)} free of {ValueParsers.FormatSize(total)} on {where}";
        CheckOutcome outcome =
            free < _minFree ? CheckOutcome.Fail($"only {freeText}; at least {ValueParsers.FormatSize(_minFree)} is required", data)
            : _warnFree is { } warn && free < warn ? CheckOutcome.Warn($"{freeText}; below the warning level of {ValueParsers.FormatSize(warn)}", data)
            : CheckOutcome.Pass($"{freeText} (at least {ValueParsers.FormatSize(_minFree)} required)", data);
        return Task.FromResult(outcome);
    }

    /// <summary>The longest mount point that contains the path, for the operator's orientation; null if unknown.</summary>
    private static string? MountPoint(string path)
    {
        try
        {
            return DriveInfo.GetDrives().Select(d => d.RootDirectory.FullName)
                .Where(root => path.StartsWith(root, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)
                    && (root.EndsWith(Path.DirectorySeparatorChar) || path.Length == root.Length || path[root.Length] == Path.DirectorySeparatorChar))
                .MaxBy(root => root.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
