namespace DeployOps.Engine.Configuration;

/// <summary>
/// How to reach Redis: <c>endpoint</c> (host:port, <c>redis://host:port</c> or <c>rediss://host:port</c> for TLS),
/// an optional ACL <c>user</c>, a password reference, the database index and TLS options.
/// </summary>
internal sealed class RedisSettings
{
    public RedisSettings(string endpoint, string? password, int database, TimeSpan connectTimeout, string? user = null, RedisTlsSettings? tls = null)
    {
        Endpoint = endpoint;
        Password = password;
        Database = database;
        ConnectTimeout = connectTimeout;
        User = user;
        Tls = tls;
    }

    /// <summary>host:port, without a scheme.</summary>
    public string Endpoint { get; }
    /// <summary>The ACL user (Redis 6+); null authenticates as <c>default</c> with the password alone.</summary>
    public string? User { get; }
    internal string? Password { get; }
    public int Database { get; }
    public TimeSpan ConnectTimeout { get; }
    /// <summary>Null for a plain-text connection.</summary>
    public RedisTlsSettings? Tls { get; }

    /// <summary>The same server with the password and database a check overrides.</summary>
    internal RedisSettings With(string? password, int database) => new(Endpoint, password, database, ConnectTimeout, User, Tls);

    internal static RedisSettings? Read(ConfigMap? map, string configDirectory)
    {
        if (map is null) return null;
        var settings = ReadConnection(map, configDirectory, "127.0.0.1:6379", TimeSpan.FromSeconds(5), map.Int("database", 0, 0, 15));
        map.Finish();
        return settings;
    }

    /// <summary>
    /// Reads endpoint, user, password, connectTimeout and the TLS keys of <paramref name="map"/> (shared by the top-level
    /// <c>redis:</c> section and a <c>kind: redis</c> check with its own endpoint); does not call Finish.
    /// </summary>
    internal static RedisSettings ReadConnection(ConfigMap map, string configDirectory, string defaultEndpoint, TimeSpan defaultTimeout, int database)
    {
        var (endpoint, tlsFromScheme) = ParseEndpoint(map, map.String("endpoint", defaultEndpoint));
        var user = map.String("user");
        if (user is not null && user.Length == 0) map.Error("user", "the ACL user name is empty");
        var password = map.String("password");
        if (password is not null && !map.IsReference("password"))
            map.Error("password", "write the password as a reference (${env:NAME} or ${file:path}), never in the file");
        if (user is not null && password is null)
            map.Error("user", "an ACL user needs redis.password (a ${env:…} reference) as well");
        var timeout = map.Duration("connectTimeout", defaultTimeout);
        var tls = RedisTlsSettings.Read(map, configDirectory, tlsFromScheme);
        return new RedisSettings(endpoint, password, database, timeout, user, tls);
    }

    /// <summary>host:port from host, host:port, redis://host:port or rediss://host:port; the bool is true for rediss.</summary>
    private static (string Endpoint, bool Tls) ParseEndpoint(ConfigMap map, string value)
    {
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return (value.Contains(':') ? value : value + ":6379", false);
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss") || uri.Host.Length == 0)
        {
            map.Error("endpoint", "expected host:port, redis://host:port or rediss://host:port (TLS)");
            return ("127.0.0.1:6379", false);
        }
        if (uri.UserInfo.Length > 0)
            map.Error("endpoint", "give the user as redis.user and the password as redis.password (a reference), not in the url");
        if (uri.AbsolutePath.Trim('/').Length > 0)
            map.Error("endpoint", "give the database as redis.database, not as the url's path");
        var port = uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port;
        return ($"{uri.Host}:{port}", uri.Scheme == "rediss");
    }

    /// <summary>Safe to show: scheme, user, host:port and database; never the password.</summary>
    public override string ToString() => $"{(Tls is null ? "" : "rediss://")}{(User is null ? "" : User + "@")}{Endpoint}/{Database}";
}

/// <summary>
/// TLS to Redis: the server certificate is verified (system roots, or <c>caFile</c>) unless <c>tlsInsecure: true</c>
/// says otherwise explicitly.
/// </summary>
internal sealed class RedisTlsSettings
{
    public RedisTlsSettings(string? caFile, bool insecure)
    {
        CaFile = caFile;
        Insecure = insecure;
    }

    /// <summary>PEM file of the CA(s) that sign the server certificate, instead of the system roots.</summary>
    public string? CaFile { get; }
    /// <summary>Accept any server certificate (encryption without authentication of the server).</summary>
    public bool Insecure { get; }

    internal static RedisTlsSettings? Read(ConfigMap map, string configDirectory, bool fromScheme)
    {
        var explicitTls = map.Has("tls") ? map.Bool("tls", false) : (bool?)null;
        if (fromScheme && explicitTls == false)
            map.Error("tls", "tls: false contradicts the rediss:// endpoint; use redis:// (or host:port) for plain text");
        var on = fromScheme || explicitTls == true;
        var caFile = map.String("caFile");
        var insecure = map.Bool("tlsInsecure", false);
        if (!on)
        {
            if (caFile is not null) map.Error("caFile", "caFile needs TLS: set tls: true or use a rediss:// endpoint");
            if (insecure) map.Error("tlsInsecure", "tlsInsecure needs TLS: set tls: true or use a rediss:// endpoint");
            return null;
        }
        if (caFile is not null && insecure)
            map.Error("tlsInsecure", "tlsInsecure skips verification, so caFile would be ignored: give one or the other");
        string? fullCa = null;
        if (caFile is not null)
        {
            fullCa = Path.GetFullPath(Path.IsPathRooted(caFile) ? caFile : Path.Combine(configDirectory, caFile));
            if (!File.Exists(fullCa)) map.Error("caFile", $"the CA file does not exist: {fullCa}");
        }
        return new RedisTlsSettings(fullCa, insecure);
    }
}
