namespace DeployOps.Engine.Configuration;

/// <summary>How to reach Redis: <c>endpoint</c> host:port, optional password reference and database index.</summary>
public sealed class RedisSettings
{
    public RedisSettings(string endpoint, string? password, int database, TimeSpan connectTimeout)
    {
        Endpoint = endpoint;
        Password = password;
        Database = database;
        ConnectTimeout = connectTimeout;
    }

    public string Endpoint { get; }
    internal string? Password { get; }
    public int Database { get; }
    public TimeSpan ConnectTimeout { get; }

    internal static RedisSettings? Read(ConfigMap? map)
    {
        if (map is null) return null;
        var endpoint = map.String("endpoint", "127.0.0.1:6379");
        if (!endpoint.Contains(':')) endpoint += ":6379";
        var password = map.String("password");
        if (password is not null && !map.IsReference("password"))
            map.Error("password", "write the password as a reference (${env:NAME} or ${file:path}), never in the file");
        var database = map.Int("database", 0, 0, 15);
        var timeout = map.Duration("connectTimeout", TimeSpan.FromSeconds(5));
        map.Finish();
        return new RedisSettings(endpoint, password, database, timeout);
    }

    public override string ToString() => $"{Endpoint}/{Database}";
}
