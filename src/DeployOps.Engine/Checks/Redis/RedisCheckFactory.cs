using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Redis;

/// <summary><c>kind: redis</c> — Redis answers PING (with AUTH and the database index), quickly, within its memory budget.</summary>
internal sealed class RedisCheckFactory : ICheckFactory
{
    public static readonly TimeSpan DefaultWarnLatency = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    public string Kind => "redis";
    public string DefaultCategory => "Cache";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var settings = ReadSettings(options, context);
        var warnLatency = options.Duration("warnLatency", DefaultWarnLatency);
        var info = options.StringList("info");
        var maxMemory = options.OptionalSize("maxMemory");
        return new RedisCheck(settings, warnLatency, info, maxMemory);
    }

    /// <summary>The check's own endpoint/password/database, each falling back to the top-level <c>redis:</c> section.</summary>
    private static RedisSettings? ReadSettings(ConfigMap options, CheckFactoryContext context)
    {
        var top = context.Redis;
        var endpoint = options.String("endpoint");
        var password = options.String("password");
        if (password is not null && !options.IsReference("password"))
            options.Error("password", "write the password as a reference (${env:NAME} or ${file:path}), never in the file");
        var database = options.Int("database", endpoint is null ? top?.Database ?? 0 : 0, 0, 15);
        if (endpoint is null)
        {
            if (top is null)
            {
                options.ErrorHere("needs a Redis server: add a top-level 'redis:' section or give this check an endpoint");
                return null;
            }
            return new RedisSettings(top.Endpoint, password ?? top.Password, database, top.ConnectTimeout);
        }
        if (!endpoint.Contains(':')) endpoint += ":6379";
        return new RedisSettings(endpoint, password, database, DefaultConnectTimeout);
    }
}
