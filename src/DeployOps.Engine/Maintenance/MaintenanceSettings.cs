using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Maintenance;

/// <summary>
/// The <c>maintenance:</c> section of deployops.yaml: which mechanisms signal maintenance (any combination of a
/// flag file, a Redis key and an nginx maintenance page) and how draining is measured. See docs/maintenance.md.
/// </summary>
internal sealed class MaintenanceSettings
{
    private MaintenanceSettings(FlagFileSettings? flagFile, RedisFlagSettings? redis, NginxPageSettings? nginx,
        DrainSettings? drain, bool stayOnFailure)
    {
        FlagFile = flagFile;
        Redis = redis;
        Nginx = nginx;
        Drain = drain;
        StayOnFailure = stayOnFailure;
    }

    public FlagFileSettings? FlagFile { get; }
    public RedisFlagSettings? Redis { get; }
    public NginxPageSettings? Nginx { get; }
    public DrainSettings? Drain { get; }
    /// <summary>A deployment that fails inside a maintenance scope leaves maintenance on (default false: always exit).</summary>
    public bool StayOnFailure { get; }

    public bool HasMechanism => FlagFile is not null || Redis is not null || Nginx is not null;

    internal PostgresSettings? Postgres { get; private init; }
    internal RedisSettings? RedisConnection { get; private init; }

    internal static MaintenanceSettings Read(ConfigMap? map, string configDirectory, PostgresSettings? postgres,
        RedisSettings? redis, string application, string environment)
    {
        if (map is null) return new MaintenanceSettings(null, null, null, null, false) { Postgres = postgres, RedisConnection = redis };
        var flagFile = FlagFileSettings.Read(map.Map("flagFile"), configDirectory);
        var redisFlag = RedisFlagSettings.Read(map.Map("redis"), application, environment);
        if (redisFlag is not null && redis is null)
            map.Error("redis", "maintenance.redis needs the top-level 'redis:' section (endpoint, password) to connect");
        var nginx = NginxPageSettings.Read(map.Map("nginx"), configDirectory);
        var drain = DrainSettings.Read(map.Map("drain"));
        if (drain?.Source == DrainSourceKind.Postgres && postgres is null)
            map.Error("drain", "drain source 'postgres' needs the top-level 'postgres:' section");
        var stay = map.Bool("stayOnFailure", false);
        map.Finish();
        return new MaintenanceSettings(flagFile, redisFlag, nginx, drain, stay) { Postgres = postgres, RedisConnection = redis };
    }

    internal static string ResolvePath(string path, string configDirectory) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(configDirectory, path));
}

/// <summary><c>maintenance.flagFile</c>: a JSON flag file the application checks (written atomically).</summary>
internal sealed class FlagFileSettings
{
    private FlagFileSettings(string path) => Path = path;

    /// <summary>Absolute path of the flag file (relative paths are resolved against the configuration's folder).</summary>
    public string Path { get; }

    internal static FlagFileSettings? Read(ConfigMap? map, string configDirectory)
    {
        if (map is null) return null;
        var path = map.RequiredString("path");
        map.Finish();
        return path.Length == 0 ? null : new FlagFileSettings(MaintenanceSettings.ResolvePath(path, configDirectory));
    }
}

/// <summary><c>maintenance.redis</c>: a shared key every instance reads, an optional PUBLISH and an optional TTL.</summary>
internal sealed class RedisFlagSettings
{
    private RedisFlagSettings(string key, string? channel, TimeSpan? ttl)
    {
        Key = key;
        Channel = channel;
        Ttl = ttl;
    }

    public string Key { get; }
    /// <summary>Channel to PUBLISH on/off messages to (none by default).</summary>
    public string? Channel { get; }
    /// <summary>Dead-man switch: the key expires unless renewed (off by default).</summary>
    public TimeSpan? Ttl { get; }

    internal static RedisFlagSettings? Read(ConfigMap? map, string application, string environment)
    {
        if (map is null) return null;
        var key = map.String("key", $"deployops:maintenance:{application}:{environment}");
        if (key.Length == 0) map.Error("key", "must not be empty");
        var channel = map.String("channel");
        var ttl = map.OptionalDuration("ttl");
        if (ttl is { } t && t < TimeSpan.FromMilliseconds(100)) map.Error("ttl", "must be at least 100ms");
        map.Finish();
        return new RedisFlagSettings(key, string.IsNullOrEmpty(channel) ? null : channel, ttl);
    }
}

/// <summary>
/// <c>maintenance.nginx</c>: an include file DeployOps owns (the site's server block includes it) that makes nginx
/// answer 503 with a maintenance page, validated with <c>nginx -t</c> before every reload.
/// </summary>
internal sealed class NginxPageSettings
{
    public const string DefaultPage =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Maintenance</title></head>" +
        "<body><h1>System undergoing maintenance</h1><p>We will be back shortly.</p></body></html>\n";

    private NginxPageSettings() { }

    public string IncludeFile { get; private init; } = "";
    /// <summary>HTML file served as the page (read at Enter time); null when <see cref="PageHtml"/> or the default is used.</summary>
    public string? PagePath { get; private init; }
    public string? PageHtml { get; private init; }
    public TimeSpan RetryAfter { get; private init; }
    /// <summary>URI prefixes that still reach the application (health checks).</summary>
    public IReadOnlyList<string> BypassPaths { get; private init; } = Array.Empty<string>();
    /// <summary>Client addresses that still reach the application (operators verifying the deployment).</summary>
    public IReadOnlyList<string> AllowFrom { get; private init; } = Array.Empty<string>();
    public string Binary { get; private init; } = "nginx";
    /// <summary>Arguments placed before <c>-t</c> / <c>-s reload</c>, e.g. <c>-p /srv/nginx/ -c /srv/nginx/nginx.conf</c>.</summary>
    public string Arguments { get; private init; } = "";
    public string TestCommand { get; private init; } = "";
    public string ReloadCommand { get; private init; } = "";
    /// <summary><c>nginx -T</c> with <see cref="Binary"/> and <see cref="Arguments"/>: where the pid file of the reloaded nginx is named.</summary>
    internal string DumpCommand => Join(Quote(Binary), Arguments, "-T");
    public TimeSpan CommandTimeout { get; private init; }

    internal static NginxPageSettings? Read(ConfigMap? map, string configDirectory)
    {
        if (map is null) return null;
        var include = map.RequiredString("includeFile");
        var pagePath = map.String("pagePath");
        var pageHtml = map.String("pageHtml");
        if (pagePath is not null && pageHtml is not null) map.Error("pageHtml", "give either pagePath or pageHtml, not both");
        string? pageFull = null;
        if (pagePath is not null)
        {
            pageFull = MaintenanceSettings.ResolvePath(pagePath, configDirectory);
            if (!File.Exists(pageFull)) map.Error("pagePath", $"file not found: {pageFull}");
        }
        var retryAfter = map.Duration("retryAfter", TimeSpan.FromMinutes(5));
        var bypass = map.StringList("bypassPaths");
        if (!map.Has("bypassPaths")) bypass = new[] { "/health" };
        foreach (var p in bypass)
            if (!Mechanisms.NginxIncludeFile.IsSafePath(p)) map.Error("bypassPaths", $"'{p}' must start with / and contain no spaces, quotes, ';', '{{', '}}' or '$'");
        var allow = map.StringList("allowFrom");
        foreach (var a in allow)
            if (!System.Net.IPAddress.TryParse(a, out _)) map.Error("allowFrom", $"'{a}' is not an IP address (ranges are not supported)");
        var binary = map.String("binary") ?? (File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx");
        var arguments = map.String("arguments", "");
        var test = map.String("testCommand") ?? Join(Quote(binary), arguments, "-t");
        var reload = map.String("reloadCommand") ?? Join(Quote(binary), arguments, "-s reload");
        var timeout = map.Duration("commandTimeout", TimeSpan.FromSeconds(30));
        map.Finish();
        if (include.Length == 0) return null;
        return new NginxPageSettings
        {
            IncludeFile = MaintenanceSettings.ResolvePath(include, configDirectory),
            PagePath = pageFull,
            PageHtml = pageHtml,
            RetryAfter = retryAfter,
            BypassPaths = bypass,
            AllowFrom = allow,
            Binary = binary,
            Arguments = arguments,
            TestCommand = test,
            ReloadCommand = reload,
            CommandTimeout = timeout,
        };
    }

    private static string Join(params string[] parts) => string.Join(" ", parts.Where(p => p.Length > 0));

    private static string Quote(string path) => path.Contains(' ') ? $"'{path}'" : path;
}

internal enum DrainSourceKind
{
    /// <summary>A numeric field of a JSON health endpoint (default field active_connections).</summary>
    Health,
    /// <summary>A gauge on a Prometheus text endpoint (summed over its series).</summary>
    Prometheus,
    /// <summary>Non-idle client sessions of the application's database in pg_stat_activity.</summary>
    Postgres,
}

/// <summary><c>maintenance.drain</c>: where in-flight work is read and how long to wait for it to fall.</summary>
internal sealed class DrainSettings
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);
    public const int DefaultThreshold = 5;

    private DrainSettings() { }

    public DrainSourceKind Source { get; private init; }
    /// <summary>Endpoints to read (health/prometheus); with several, their counts are added.</summary>
    public IReadOnlyList<string> Urls { get; private init; } = Array.Empty<string>();
    public string Field { get; private init; } = "active_connections";
    public string Metric { get; private init; } = "";
    /// <summary>Database whose sessions are counted (postgres; default: the top-level postgres database).</summary>
    public string? Database { get; private init; }
    public bool IncludeIdle { get; private init; }
    /// <summary>Draining succeeds when the count is below this.</summary>
    public int Threshold { get; private init; }
    public TimeSpan Interval { get; private init; }
    public TimeSpan Timeout { get; private init; }
    public TimeSpan RequestTimeout { get; private init; }

    internal static DrainSettings? Read(ConfigMap? map)
    {
        if (map is null) return null;
        var source = map.Enum("source", DrainSourceKind.Health);
        var urls = map.StringList("url");
        foreach (var u in urls)
            if (!Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                map.Error("url", $"'{u}' is not an http(s) URL");
        if (source != DrainSourceKind.Postgres && urls.Count == 0) map.Error("url", $"drain source '{source.ToString().ToLowerInvariant()}' needs a url");
        var field = map.String("field", "active_connections");
        var metric = map.String("metric", "");
        if (source == DrainSourceKind.Prometheus && metric.Length == 0) map.Error("metric", "drain source 'prometheus' needs the gauge's metric name");
        var database = map.String("database");
        var includeIdle = map.Bool("includeIdle", false);
        var threshold = map.Int("threshold", DefaultThreshold, 1);
        var interval = map.Duration("interval", DefaultInterval);
        var timeout = map.Duration("timeout", DefaultTimeout);
        var requestTimeout = map.Duration("requestTimeout", TimeSpan.FromSeconds(5));
        map.Finish();
        return new DrainSettings
        {
            Source = source, Urls = urls, Field = field, Metric = metric, Database = database, IncludeIdle = includeIdle,
            Threshold = threshold, Interval = interval, Timeout = timeout, RequestTimeout = requestTimeout,
        };
    }
}
