using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

/// <summary>A deployops.yaml with a maintenance section in its own folder (private state directory and flag file).</summary>
internal sealed class MaintenanceConfig : IDisposable
{
    private readonly TempConfig _file;

    public MaintenanceConfig(string body)
    {
        _file = new TempConfig("application: shop\nenvironment: test\n" + body);
        Config = ConfigLoader.Load(_file.Path);
    }

    public DeploymentConfig Config { get; }
    public string Directory => _file.Directory;
    public string FlagPath => Path.Combine(_file.Directory, "MAINTENANCE_MODE");

    public IReadOnlyList<AuditEntry> Audit() => AuditLog.For(Config).ReadAll();

    public void Dispose() => _file.Dispose();

    /// <summary>flagFile section pointing at <see cref="FlagPath"/> (relative to the config folder).</summary>
    public const string FlagFile = "  flagFile:\n    path: MAINTENANCE_MODE\n";
}

/// <summary>One demo app shared by a test class (starting it costs a second or two).</summary>
public sealed class DemoAppFixture : IDisposable
{
    public DemoAppProcess App { get; } = new("1.0.0");

    public void Dispose() => App.Dispose();
}

/// <summary>One Redis shared by a test class (RedisFixture has two constructors, which xunit fixtures cannot have).</summary>
public sealed class SharedRedis : IDisposable
{
    public RedisFixture Redis { get; } = new();

    public void Dispose() => Redis.Dispose();
}

internal static class Eventually
{
    /// <summary>Polls until the condition holds (a hang guard, not a timing assertion).</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, string what, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen within {seconds}s");
            await Task.Delay(25);
        }
    }
}
