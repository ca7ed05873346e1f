using DeployOps.Engine.Clients;
using System.Net.Sockets;
using DeployOps.Engine.Configuration;
using Npgsql;

namespace DeployOps.Engine.Checks.Postgres;

/// <summary>
/// Where a database check connects: its own <c>url</c> or <c>connectionString</c> keys, else the top-level
/// <c>postgres:</c> section. Shared by the postgres and migrations kinds.
/// </summary>
internal static class PostgresConnection
{
    public static PostgresSettings? Read(ConfigMap options, CheckFactoryContext context)
    {
        var url = options.String("url");
        var connectionString = options.String("connectionString");
        if (url is not null && connectionString is not null)
        {
            options.Error("connectionString", "give either url or connectionString, not both");
            return null;
        }
        var builder = new NpgsqlConnectionStringBuilder();
        string key;
        if (url is not null)
        {
            key = "url";
            if (!PostgresSettings.TryFromUrl(url, builder, out var problem))
            {
                options.Error(key, problem!);
                return null;
            }
        }
        else if (connectionString is not null)
        {
            key = "connectionString";
            try { builder.ConnectionString = connectionString; }
            catch (ArgumentException ex)
            {
                options.Error(key, "not a valid connection string: " + ex.Message);
                return null;
            }
        }
        else
        {
            if (context.Postgres is null)
                options.ErrorHere("needs a database: add a top-level 'postgres:' section or give this check a url or connectionString");
            return context.Postgres;
        }

        // A url's literal password is already refused where every configured string is read (UrlPasswords).
        if (key != "url" && !string.IsNullOrEmpty(builder.Password) && !options.IsReference(key))
            options.Error(key, "write the password as a reference (${env:NAME} or ${file:path}), never in the file");
        if (string.IsNullOrEmpty(builder.Database))
            options.Error(key, "must name a database");
        if (string.IsNullOrEmpty(builder.Host)) builder.Host = "127.0.0.1";
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "DeployOps";
        return PostgresSettings.FromConnectionString(builder.ConnectionString);
    }

    /// <summary>A fresh, unpooled connection: a check must see the server as it is now, not a pooled socket.</summary>
    public static NpgsqlConnection Create(PostgresSettings settings) => PostgresDataSources.Shared.Unpooled(settings).CreateConnection();

    /// <summary>A sentence for a connection failure that names the cause and the target, never the password.</summary>
    public static string Describe(Exception ex, PostgresSettings settings)
    {
        var builder = settings.Builder();
        var where = settings.Display;
        switch (ex)
        {
            case PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } pe:
                return $"authentication failed for user '{builder.Username}' at {where} ({pe.MessageText})";
            case PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName }:
                return $"database '{settings.Database}' does not exist at {builder.Host}:{builder.Port}";
            case PostgresException { SqlState: PostgresErrorCodes.TooManyConnections } pe:
                return $"the server refused the connection at {where}: {pe.MessageText}";
            case PostgresException { SqlState: PostgresErrorCodes.CannotConnectNow } pe:
                return $"the server at {where} is not accepting connections: {pe.MessageText}";
            case PostgresException pe:
                return $"{pe.SqlState}: {pe.MessageText} at {where}";
        }
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException se)
                return $"cannot connect to PostgreSQL at {builder.Host}:{builder.Port}: {SocketReason(se)}";
            if (inner is TimeoutException)
                return $"connecting to PostgreSQL at {builder.Host}:{builder.Port} timed out";
        }
        return $"cannot use PostgreSQL at {where}: {ex.Message}";
    }

    public static bool IsConnectionProblem(Exception ex) => ex is NpgsqlException or SocketException or TimeoutException;

    private static string SocketReason(SocketException se) => se.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (is the server running?)",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.TimedOut => "connection timed out",
        _ => se.Message,
    };
}
