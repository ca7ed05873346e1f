using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Traffic.Haproxy;

/// <summary>
/// The <c>deployment.traffic.haproxy:</c> section: where HAProxy's runtime API listens and which backend and servers
/// DeployOps drives. DeployOps never writes haproxy.cfg; it changes weights and states over the admin socket.
/// </summary>
internal sealed class HaproxySettings
{
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The admin-level stats socket (<c>stats socket … level admin</c>), absolute.</summary>
    public string Socket { get; private init; } = "";
    /// <summary>The backend holding one server per slot or instance.</summary>
    public string Backend { get; private init; } = "";
    /// <summary>Slot/instance name → server name in the backend; a name not listed is its own server name.</summary>
    public IReadOnlyDictionary<string, string> Servers { get; private init; } = new Dictionary<string, string>();
    /// <summary>Where <c>show servers state</c> is written after each change (haproxy.cfg's server-state-file); empty = not written.</summary>
    public string StateFile { get; private init; } = "";
    /// <summary>How long a server taken out of rotation may keep current sessions before DeployOps goes on anyway.</summary>
    public TimeSpan DrainTimeout { get; private init; } = DefaultDrainTimeout;

    public string ServerFor(string backendName) => Servers.TryGetValue(backendName, out var server) ? server : backendName;

    internal static HaproxySettings? Read(ConfigMap? map, string configDirectory)
    {
        if (map is null) return null;
        var socket = map.String("socket");
        var stateFile = map.String("stateFile");
        var settings = new HaproxySettings
        {
            Socket = socket is null ? "" : Path.GetFullPath(Path.Combine(configDirectory, socket)),
            Backend = map.String("backend") ?? "",
            Servers = map.StringMap("servers"),
            StateFile = stateFile is null ? "" : Path.GetFullPath(Path.Combine(configDirectory, stateFile)),
            DrainTimeout = map.Duration("drainTimeout", DefaultDrainTimeout),
        };
        if (socket is null) map.Error("socket", "is required: the admin socket haproxy.cfg opens with 'stats socket <path> level admin'");
        if (settings.Backend.Length == 0) map.Error("backend", "is required: the haproxy backend holding the slots' or instances' servers");
        else if (!HaproxyNames.IsValid(settings.Backend)) map.Error("backend", HaproxyNames.Rule);
        foreach (var (name, server) in settings.Servers)
            if (!HaproxyNames.IsValid(server)) map.Error($"servers.{name}", HaproxyNames.Rule);
        map.Finish();
        return settings;
    }

    /// <summary>Settings built in code (tests, bench).</summary>
    public static HaproxySettings Create(string socket, string backend, IReadOnlyDictionary<string, string>? servers = null,
        string stateFile = "", TimeSpan? drainTimeout = null) => new()
    {
        Socket = Path.GetFullPath(socket),
        Backend = backend,
        Servers = servers ?? new Dictionary<string, string>(),
        StateFile = stateFile.Length == 0 ? "" : Path.GetFullPath(stateFile),
        DrainTimeout = drainTimeout ?? DefaultDrainTimeout,
    };
}

/// <summary>Backend and server names go into runtime API commands: they must stay one word.</summary>
internal static class HaproxyNames
{
    public const string Rule = "use letters, digits, '_', '-', '.' and ':' only (it is sent to haproxy's runtime API)";

    public static bool IsValid(string name) => name.Length is > 0 and <= 100 &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':');
}
