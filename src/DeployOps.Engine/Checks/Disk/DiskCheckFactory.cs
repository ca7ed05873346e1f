using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Disk;

/// <summary><c>kind: disk</c> — the file system holding <c>path</c> has at least <c>minFree</c> available.</summary>
internal sealed class DiskCheckFactory : ICheckFactory
{
    public const long DefaultMinFree = 10_000_000_000; // 10GB

    public string Kind => "disk";
    public string DefaultCategory => "System";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var configuredPath = options.String("path", ".");
        var path = context.ResolvePath(configuredPath);
        var minFree = options.Size("minFree", DefaultMinFree);
        var warnFree = options.OptionalSize("warnFree");
        if (warnFree is { } w && w < minFree)
            options.Error("warnFree", $"must be at least minFree ({ValueParsers.FormatSize(minFree)}): it is the earlier warning");
        return new DiskCheck(path, minFree, warnFree, configuredPath);
    }
}
