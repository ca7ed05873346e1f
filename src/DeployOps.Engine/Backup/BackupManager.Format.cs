using System.Globalization;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Backup;

internal sealed partial class BackupManager
{
    internal static string FormatName(BackupDumpFormat format) => format == BackupDumpFormat.Directory ? "directory" : "custom";

    /// <summary>pg_dump's arguments for backup.format/jobs (connection arguments are added by the caller).</summary>
    private List<string> DumpArguments(string output, string snapshot, string? pgDumpVersion, string? compressArgument)
    {
        var args = new List<string> { "--format=" + FormatName(_settings.Format), "--file=" + output, "--snapshot=" + snapshot, "--verbose" };
        // Only the directory format can be written by several jobs (one table per job); a custom file has one writer.
        if (_settings.Format == BackupDumpFormat.Directory && _settings.Jobs > 1)
            args.Add("--jobs=" + _settings.Jobs.ToString(CultureInfo.InvariantCulture));
        if (compressArgument is not null) args.Add("--compress=" + compressArgument);
        return args;
    }

    /// <summary>The --compress value for this pg_dump; a method it does not have fails before anything is dumped.</summary>
    private string? CompressArgument(string pgDump, string? pgDumpVersion)
    {
        var major = BackupCompression.MajorVersion(pgDumpVersion);
        var argument = _settings.Compression.PgDumpArgument(major, out var error);
        if (error is not null)
            throw Fail(ErrorIds.BackupFailed, ErrorKind.InvalidArgument,
                $"{_config.FilePath}: backup.compression '{_settings.Compression}': {error} ({pgDump}: {pgDumpVersion ?? "version unknown"}). " +
                $"Set backup.compression to auto or gzip:1, or backup.pgDump to pg_dump {BackupCompression.MethodsSinceMajor} or newer.",
                "backup.compression");
        return argument;
    }

    /// <summary>pg_restore -j for restores that may run in parallel (not inside one transaction).</summary>
    private IEnumerable<string> RestoreJobsArguments() =>
        _settings.Jobs > 1 ? new[] { "--jobs=" + _settings.Jobs.ToString(CultureInfo.InvariantCulture) } : Array.Empty<string>();

    private async Task<(string Sha256, SortedDictionary<string, string> Files)> DirectoryChecksumAsync(string path, CancellationToken ct)
    {
        var files = await DumpChecksum.FilesAsync(path, _settings.Jobs, ct).ConfigureAwait(false);
        return (DumpChecksum.Combine(files), files);
    }
}
