using Npgsql;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// How to reach the application's PostgreSQL database: either a <c>url</c> (postgres://user:pass@host:port/db),
/// a Npgsql <c>connectionString</c>, or discrete keys. Passwords come from references and are redacted.
/// </summary>
internal sealed class PostgresSettings
{
    private readonly string _connectionString;

    private PostgresSettings(string connectionString, string display, string database)
    {
        _connectionString = connectionString;
        Display = display;
        Database = database;
    }

    /// <summary>host:port/database as safe to show.</summary>
    public string Display { get; }
    public string Database { get; }

    internal string ConnectionString => _connectionString;

    internal NpgsqlConnectionStringBuilder Builder() => new(_connectionString);

    internal static PostgresSettings? Read(ConfigMap? map)
    {
        if (map is null) return null;
        var builder = new NpgsqlConnectionStringBuilder();
        var url = map.String("url");
        var connectionString = map.String("connectionString");
        if (url is not null && connectionString is not null)
            map.Error("connectionString", "give either url or connectionString, not both");
        if (url is not null)
        {
            if (!TryFromUrl(url, builder, out var problem)) map.Error("url", problem!);
        }
        else if (connectionString is not null)
        {
            try { builder.ConnectionString = connectionString; }
            catch (ArgumentException ex) { map.Error("connectionString", "not a valid connection string: " + ex.Message); }
        }
        if (map.String("host") is { } host) builder.Host = host;
        builder.Port = map.Int("port", builder.Port == 0 ? 5432 : builder.Port, 1, 65535);
        if (map.String("database") is { } db) builder.Database = db;
        if (map.String("username") is { } user) builder.Username = user;
        if (map.String("password") is { } password)
        {
            if (!map.IsReference("password"))
                map.Error("password", "write the password as a reference (${env:NAME} or ${file:path}), never in the file");
            builder.Password = password;
        }
        builder.Timeout = (int)Math.Ceiling(map.Duration("connectTimeout", TimeSpan.FromSeconds(5)).TotalSeconds);
        if (map.OptionalEnum<SslMode>("sslMode") is { } ssl) builder.SslMode = ssl;
        builder.ApplicationName = map.String("applicationName", "DeployOps");
        map.Finish();
        if (string.IsNullOrEmpty(builder.Host)) builder.Host = "127.0.0.1";
        if (string.IsNullOrEmpty(builder.Database)) map.ErrorHere("postgres.database (or a database in the url) is required");
        return new PostgresSettings(builder.ConnectionString, $"{builder.Host}:{builder.Port}/{builder.Database}", builder.Database ?? "");
    }

    /// <summary>Settings for code paths that build a connection themselves (tests, the PostgreSQL state store).</summary>
    public static PostgresSettings FromConnectionString(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return new PostgresSettings(b.ConnectionString, $"{b.Host}:{b.Port}/{b.Database}", b.Database ?? "");
    }

    internal static bool TryFromUrl(string url, NpgsqlConnectionStringBuilder builder, out string? problem)
    {
        problem = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "postgres" && uri.Scheme != "postgresql"))
        {
            problem = "expected a url like postgres://user@host:5432/database";
            return false;
        }
        builder.Host = uri.Host;
        if (uri.Port > 0) builder.Port = uri.Port;
        builder.Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        return true;
    }

    public override string ToString() => Display;
}
