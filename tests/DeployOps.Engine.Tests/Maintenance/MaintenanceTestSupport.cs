using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

/// <summary>A deployops.yaml with a maintenance section in its own folder (private state directory and flag file).</summary>
internal sealed class MaintenanceConfig : IDisposable
{
    private readonly TempConfig _file;

    public MaintenanceConfig(string body, IReadOnlyDictionary<string, string>? files = null)
    {
        _file = new TempConfig("application: shop\nenvironment: test\n" + body);
        foreach (var (name, content) in files ?? new Dictionary<string, string>())
            File.WriteAllText(System.IO.Path.Combine(_file.Directory, name), content);
        Config = ConfigLoader.Load(_file.Path);
    }

    public ConfigModel Config { get; }
    public string Directory => _file.Directory;
    public string FlagPath => Path.Combine(_file.Directory, "MAINTENANCE_MODE");

    public IReadOnlyList<AuditEntry> Audit() => AuditLog.For(Config).ReadAll();

    public void Dispose() => _file.Dispose();

    /// <summary>flagFile section pointing at <see cref="FlagPath"/> (relative to the config folder).</summary>
    public const string FlagFile = "  flagFile:\n    path: MAINTENANCE_MODE\n";
}

/// <summary>
/// One demo app shared by a test class (starting it costs a second or two), honouring a maintenance flag file
/// at <see cref="FlagPath"/> the way a real application would.
/// </summary>
public sealed class DemoAppFixture : IDisposable
{
    public DemoAppFixture()
    {
        FlagDirectory = ExternalProcess.TempDirectory("demo-flag");
        App = new DemoAppProcess("1.0.0", environment: new Dictionary<string, string> { ["DEMO_MAINTENANCE_FLAG"] = FlagPath });
    }

    public DemoAppProcess App { get; }
    public string FlagDirectory { get; }
    public string FlagPath => Path.Combine(FlagDirectory, "MAINTENANCE_MODE");

    public Task ResetFaultsAsync() => App.SetFaultsAsync(new { connections = 0, connectionDecayPerSecond = 0.0, latencyMs = 0, errorRate = 0.0 });

    public void Dispose()
    {
        App.Dispose();
        try { Directory.Delete(FlagDirectory, true); } catch (IOException) { }
    }
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
