using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>One instance of examples/DemoApp running as a real process on a loopback port; stopped by PID.</summary>
public sealed class DemoAppProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly StringBuilder _log = new();
    private Process? _process;

    public DemoAppProcess(string version = "1.0.0", int? port = null, string? instance = null, IDictionary<string, string>? environment = null)
    {
        Version = version;
        Port = port ?? FreePort.Next();
        Instance = instance ?? $"demo-{Port}";
        Environment = environment ?? new Dictionary<string, string>();
        Start();
    }

    public string Version { get; }
    public int Port { get; }
    public string Instance { get; }
    public IDictionary<string, string> Environment { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;
    public bool HasExited => _process is null || _process.HasExited;
    public string Log => _log.ToString();

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "DemoApp.dll");

    public void Start()
    {
        var env = new Dictionary<string, string>(Environment)
        {
            ["DEMO_VERSION"] = Version,
            ["DEMO_INSTANCE"] = Instance,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        _process = ExternalProcess.Start("dotnet", $"\"{DllPath}\" --urls {BaseUrl}", _log, environment: env);
        ExternalProcess.WaitForPort(Port, TimeSpan.FromSeconds(30), () => _log.ToString());
    }

    /// <summary>Sets fault knobs: errorRate (0..1), latencyMs, leakMbPerMinute, connections, connectionDecayPerSecond.</summary>
    public async Task SetFaultsAsync(object faults)
    {
        using var response = await Http.PostAsJsonAsync(BaseUrl + "/admin/faults", faults);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Sends <paramref name="count"/> GET requests to a path, returning how many answered 2xx.</summary>
    public async Task<int> SendRequestsAsync(int count, string path = "/api/work")
    {
        var ok = 0;
        for (var i = 0; i < count; i++)
        {
            using var r = await Http.GetAsync(BaseUrl + path);
            if (r.IsSuccessStatusCode) ok++;
        }
        return ok;
    }

    /// <summary>Kills the process abruptly (a crash).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            ExternalProcess.Kill(p.Id, 9);
            p.WaitForExit(10_000);
        }
    }

    public void Stop()
    {
        if (_process is null) return;
        ExternalProcess.Stop(_process);
        _process = null;
    }

    public void Dispose() => Stop();
}
