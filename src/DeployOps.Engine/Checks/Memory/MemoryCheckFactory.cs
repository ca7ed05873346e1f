using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Memory;

/// <summary><c>kind: memory</c> — the host has at least <c>minAvailable</c> memory available for new work.</summary>
internal sealed class MemoryCheckFactory : ICheckFactory
{
    public const long DefaultMinAvailable = 8_000_000_000; // 8GB

    public string Kind => "memory";
    public string DefaultCategory => "System";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var minAvailable = options.Size("minAvailable", DefaultMinAvailable);
        var warnAvailable = options.OptionalSize("warnAvailable");
        if (warnAvailable is { } w && w < minAvailable)
            options.Error("warnAvailable", $"must be at least minAvailable ({ValueParsers.FormatSize(minAvailable)}): it is the earlier warning");
        return new MemoryCheck(minAvailable, warnAvailable);
    }
}
