using System.Diagnostics;
using System.Text;
using DeployOps.Engine.Audit;
using DeployOps.Engine.State;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.StateStore; // not "...Tests.State": that would shadow DeployOps.Engine.State in other tests

/// <summary>A second real process (tests/DeployOps.StateProbe) that holds a lock or journals phases until killed.</summary>
public sealed class StateProbeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public StateProbeProcess(string mode, string stateDirectory, string app, string env, string id, int phases = 3, string? postgres = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "DeployOps.StateProbe.dll");
        var args = $"\"{dll}\" {mode} \"{stateDirectory}\" {app} {env} {id} {phases}" + (postgres is null ? "" : $" \"{postgres}\"");
        _process = ExternalProcess.Start("dotnet", args, _log);
    }

    public int Pid => _process.Id;

    /// <summary>Waits until the probe printed <paramref name="line"/> (it prints after the event is durable).</summary>
    public void WaitFor(string line, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            lock (_log)
            {
                var text = _log.ToString();
                if (text.Split('\n').Any(l => l.TrimEnd() == line)) return;
                if (text.Contains("error ")) throw new InvalidOperationException("probe failed: " + text);
            }
            if (_process.HasExited) throw new InvalidOperationException($"probe exited {_process.ExitCode}: {Output}");
            Thread.Sleep(20);
        }
        throw new TimeoutException($"probe never printed '{line}': {Output}");
    }

    public string Output
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>SIGKILL, then reap, so the pid is really gone (not a zombie) when this returns.</summary>
    public void KillHard()
    {
        ExternalProcess.Kill(_process.Id, 9);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
    }
}

internal static class StateTest
{
    public static readonly Redactor Redactor = new();

    static StateTest() => Redactor.Add("s3cr3t-value-xyz");

    public static string DeadPid()
    {
        using var sleeper = Process.Start("sleep", "60");
        sleeper.Kill();
        sleeper.WaitForExit();
        return sleeper.Id.ToString();
    }

    public static DeploymentStart Start(string version = "v2", string? id = null) =>
        new() { Version = version, PreviousVersion = "v1", Strategy = "BlueGreen", Id = id, LogPath = "/var/log/deploy.log" };
}
