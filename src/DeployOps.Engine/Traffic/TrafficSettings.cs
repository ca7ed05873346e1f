using DeployOps.Engine.Configuration;
using DeployOps.Engine.Traffic.Haproxy;

namespace DeployOps.Engine.Traffic;

internal enum TrafficProvider
{
    /// <summary>No router: hotfix-only applications, or traffic managed elsewhere.</summary>
    None,
    Nginx,
    /// <summary>HAProxy's runtime API over its admin socket: weights and states change without a reload.</summary>
    Haproxy,
}

/// <summary>The <c>deployment.traffic:</c> section: which router DeployOps drives and how a switch is confirmed.</summary>
internal sealed class TrafficSettings
{
    public static readonly TimeSpan DefaultConfirmTimeout = TimeSpan.FromSeconds(15);
    /// <summary>Short: nginx's own 10 s default turns one refused connect during a restart into 10 s of 502s.</summary>
    public static readonly TimeSpan DefaultFailTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxFailTimeout = TimeSpan.FromMinutes(10);

    public TrafficProvider Provider { get; private init; }
    /// <summary>The upstream include file DeployOps owns (absolute).</summary>
    public string UpstreamFile { get; private init; } = "";
    /// <summary>The upstream name the server blocks proxy_pass to.</summary>
    public string UpstreamName { get; private init; } = "";
    /// <summary>The nginx command (may be a prefix such as <c>sudo nginx</c>).</summary>
    public string NginxCommand { get; private init; } = "nginx";
    /// <summary>Extra arguments before -t / -s reload, e.g. <c>-p /srv/nginx/ -c /srv/nginx/nginx.conf</c>.</summary>
    public string NginxArguments { get; private init; } = "";
    /// <summary>A URL through the router; its answers identify which backend served them.</summary>
    public string ProbeUrl { get; private init; } = "";
    /// <summary>The path probed on each backend directly to learn the identity it answers with.</summary>
    public string ProbePath { get; private init; } = "/version";
    /// <summary>The response header identifying a backend (its body is used when the header is absent).</summary>
    public string IdentityHeader { get; private init; } = "X-App-Version";
    public TimeSpan ConfirmTimeout { get; private init; } = DefaultConfirmTimeout;
    /// <summary>Consecutive matching probes that confirm a full switch.</summary>
    public int ConfirmProbes { get; private init; } = 5;
    /// <summary>nginx upstream keepalive connections (0 = off).</summary>
    public int Keepalive { get; private init; }
    /// <summary>How long a backend taken out of rotation gets to finish in-flight requests before it is touched.</summary>
    public TimeSpan DrainDelay { get; private init; } = TimeSpan.FromSeconds(2);
    /// <summary>
    /// nginx <c>max_fails</c> written on every server that takes traffic; null = automatic (see <see cref="MaxFailsFor"/>).
    /// </summary>
    public int? MaxFails { get; private init; }
    /// <summary>nginx <c>fail_timeout</c>: how long a server that reached max_fails gets no requests.</summary>
    public TimeSpan FailTimeout { get; private init; } = DefaultFailTimeout;
    /// <summary>Requests sent through <see cref="ProbeUrl"/> after a strategy changed something (0 = no router check).</summary>
    public int VerifyRequests { get; private init; } = 20;

    /// <summary>
    /// The max_fails to write when <paramref name="serving"/> backends take traffic: the configured value, else 0 for a
    /// lone server (nothing to fail over to, so marking it failed only turns a blip into "no live upstreams") and 1 otherwise.
    /// </summary>
    public int MaxFailsFor(int serving) => MaxFails ?? (serving <= 1 ? 0 : 1);
    /// <summary>The <c>haproxy:</c> subsection (provider haproxy only).</summary>
    public HaproxySettings? Haproxy { get; private init; }

    public static TrafficSettings None { get; } = new() { Provider = TrafficProvider.None };

    internal static TrafficSettings Read(ConfigMap? map, string configDirectory)
    {
        if (map is null) return None;
        var provider = map.Enum("provider", TrafficProvider.Nginx);
        var upstreamFile = map.String("upstreamFile");
        var settings = new TrafficSettings
        {
            Provider = provider,
            UpstreamFile = upstreamFile is null ? "" : Path.GetFullPath(Path.Combine(configDirectory, upstreamFile)),
            UpstreamName = map.String("upstreamName") ?? "",
            NginxCommand = map.String("nginx", "nginx"),
            NginxArguments = map.String("nginxArguments", ""),
            ProbeUrl = map.String("probeUrl") ?? "",
            ProbePath = map.String("probePath", "/version"),
            IdentityHeader = map.String("identityHeader", "X-App-Version"),
            ConfirmTimeout = map.Duration("confirmTimeout", DefaultConfirmTimeout),
            ConfirmProbes = map.Int("confirmProbes", 5, 1, 1000),
            Keepalive = map.Int("keepalive", 0, 0, 10_000),
            DrainDelay = map.Duration("drainDelay", TimeSpan.FromSeconds(2)),
            MaxFails = map.Has("maxFails") ? map.Int("maxFails", 1, 0, 1000) : null,
            FailTimeout = map.Duration("failTimeout", DefaultFailTimeout),
            VerifyRequests = map.Int("verifyRequests", 20, 0, 10_000),
            Haproxy = HaproxySettings.Read(map.Map("haproxy"), configDirectory),
        };
        if (settings.FailTimeout > MaxFailTimeout)
            map.Error("failTimeout", $"must be at most {Configuration.ValueParsers.FormatDuration(MaxFailTimeout)} (a failed server gets no requests that long)");
        else if (settings.FailTimeout.Ticks % TimeSpan.TicksPerSecond != 0)
            map.Error("failTimeout", "nginx takes fail_timeout in whole seconds, e.g. 1s or 2s");
        if (provider == TrafficProvider.Haproxy)
        {
            if (settings.Haproxy is null) map.Error("haproxy", "is required for provider haproxy (socket, backend, servers)");
            if (settings.ProbeUrl.Length == 0) map.Error("probeUrl", "is required: a URL through haproxy that confirms a switch");
            else if (!Uri.TryCreate(settings.ProbeUrl, UriKind.Absolute, out _)) map.Error("probeUrl", "expected an absolute http URL");
        }
        else if (settings.Haproxy is not null) map.Error("haproxy", "is only read with provider: haproxy");
        if (provider == TrafficProvider.Haproxy)
        {
            // DeployOps never writes haproxy.cfg: silently ignoring these would leave haproxy's own failure rules in force.
            if (map.Has("maxFails"))
                map.Error("maxFails", "is nginx's max_fails; haproxy's equivalent goes on the server lines in haproxy.cfg: " +
                    "'observe layer4 error-limit N on-error mark-down' (or 'fall N' for the active check)");
            if (map.Has("failTimeout"))
                map.Error("failTimeout", "is nginx's fail_timeout; in haproxy a server marked down comes back after 'rise' passing " +
                    "health checks 'inter' apart (haproxy.cfg server line, e.g. 'check inter 1s rise 2')");
        }
        if (provider == TrafficProvider.Nginx)
        {
            if (upstreamFile is null) map.Error("upstreamFile", "is required for provider nginx (the include file DeployOps owns)");
            if (settings.UpstreamName.Length == 0) map.Error("upstreamName", "is required for provider nginx");
            else if (!System.Text.RegularExpressions.Regex.IsMatch(settings.UpstreamName, "^[A-Za-z0-9_.-]+$"))
                map.Error("upstreamName", "use letters, digits, '_', '-' and '.' only");
            if (settings.ProbeUrl.Length == 0) map.Error("probeUrl", "is required: a URL through nginx that confirms a switch");
            else if (!Uri.TryCreate(settings.ProbeUrl, UriKind.Absolute, out _)) map.Error("probeUrl", "expected an absolute http URL");
        }
        map.Finish();
        return settings;
    }

    /// <summary>Settings built in code (tests, bench).</summary>
    public static TrafficSettings ForNginx(string upstreamFile, string upstreamName, string probeUrl, string nginxCommand = "nginx",
        string nginxArguments = "", TimeSpan? confirmTimeout = null, TimeSpan? drainDelay = null, string identityHeader = "X-App-Version",
        string probePath = "/version", int? maxFails = null, TimeSpan? failTimeout = null) => new()
    {
        Provider = TrafficProvider.Nginx,
        UpstreamFile = Path.GetFullPath(upstreamFile),
        UpstreamName = upstreamName,
        ProbeUrl = probeUrl,
        NginxCommand = nginxCommand,
        NginxArguments = nginxArguments,
        ConfirmTimeout = confirmTimeout ?? DefaultConfirmTimeout,
        DrainDelay = drainDelay ?? TimeSpan.FromSeconds(2),
        IdentityHeader = identityHeader,
        ProbePath = probePath,
        MaxFails = maxFails,
        FailTimeout = failTimeout ?? DefaultFailTimeout,
    };

    /// <summary>HAProxy settings built in code (tests, bench).</summary>
    public static TrafficSettings ForHaproxy(HaproxySettings haproxy, string probeUrl, TimeSpan? confirmTimeout = null,
        TimeSpan? drainDelay = null, string identityHeader = "X-App-Version", string probePath = "/version") => new()
    {
        Provider = TrafficProvider.Haproxy,
        Haproxy = haproxy,
        ProbeUrl = probeUrl,
        ConfirmTimeout = confirmTimeout ?? DefaultConfirmTimeout,
        DrainDelay = drainDelay ?? TimeSpan.FromSeconds(2),
        IdentityHeader = identityHeader,
        ProbePath = probePath,
    };
}
