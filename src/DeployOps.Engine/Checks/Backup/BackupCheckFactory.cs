using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Backup;

/// <summary><c>kind: backup</c> — the newest backup file is younger than <c>maxAge</c> (and not empty).</summary>
internal sealed class BackupCheckFactory : ICheckFactory
{
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(24);
    public const string DefaultPattern = "*";

    public string Kind => "backup";
    public string DefaultCategory => "Database";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var directory = options.String("directory") is { } d ? context.ResolvePath(d) : Path.Combine(context.StateDirectory, "backups");
        var pattern = options.String("pattern", DefaultPattern);
        var recursive = options.Bool("recursive", false);
        var maxAge = options.Duration("maxAge", DefaultMaxAge);
        var minSize = options.Size("minSize", 1);
        return new BackupCheck(directory, pattern, recursive, maxAge, minSize);
    }
}
