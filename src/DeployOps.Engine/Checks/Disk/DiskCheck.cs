using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Disk;

/// <summary>Free space as the deploying user can use it (quota and root reserve excluded), from statvfs / GetDiskFreeSpaceEx.</summary>
internal sealed class DiskCheck : ICheck, OnTarget.ITargetableCheck
{
    private readonly string _path;
    private readonly string _configuredPath;
    private readonly long _minFree;
    private readonly long? _warnFree;

    /// <param name="path">The path resolved against the configuration's folder (a check run here).</param>
    /// <param name="configuredPath">The path as written: on a target it is relative to the login's home.</param>
    public DiskCheck(string path, long minFree, long? warnFree, string? configuredPath = null)
    {
        _path = path;
        _configuredPath = configuredPath ?? path;
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
        return Task.FromResult(Judge(_path, MountPoint(_path), free, total));
    }

    public ICheck On(Targets.SshTarget target) => new RemoteDiskCheck(this, target, _configuredPath);

    /// <summary>The verdict on <paramref name="free"/> of <paramref name="total"/> bytes, here or on a target.</summary>
    internal CheckOutcome Judge(string path, string? mount, long free, long total)
    {
        var data = new Dictionary<string, object?>
        {
            ["path"] = path,
            ["mount"] = mount,
            ["freeBytes"] = free,
            ["totalBytes"] = total,
            ["usedPercent"] = total > 0 ? Math.Round(100.0 * (total - free) / total, 1) : null,
            ["minFreeBytes"] = _minFree,
        };
        var where = mount is null || mount == path ? path : $"{path} (file system {mount})";
        var freeText = $"{ValueParsers.FormatSize(free)} free of {ValueParsers.FormatSize(total)} on {where}";
        return free < _minFree ? CheckOutcome.Fail($"only {freeText}; at least {ValueParsers.FormatSize(_minFree)} is required", data)
            : _warnFree is { } warn && free < warn ? CheckOutcome.Warn($"{freeText}; below the warning level of {ValueParsers.FormatSize(warn)}", data)
            : CheckOutcome.Pass($"{freeText} (at least {ValueParsers.FormatSize(_minFree)} required)", data);
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
