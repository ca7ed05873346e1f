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

    /// <summary>
    /// The check's own connection when it names an endpoint (then nothing comes from <c>redis:</c>); otherwise the
    /// top-level <c>redis:</c> section with this check's password and database.
    /// </summary>
    private static RedisSettings? ReadSettings(ConfigMap options, CheckFactoryContext context)
    {
        var top = context.Redis;
        if (options.Has("endpoint"))
            return RedisSettings.ReadConnection(options, context.ConfigDirectory, "127.0.0.1:6379", DefaultConnectTimeout, options.Int("database", 0, 0, 15));
        var password = options.String("password");
        if (password is not null && !options.IsReference("password"))
            options.Error("password", "write the password as a reference (${env:NAME} or ${file:path}), never in the file");
        var database = options.Int("database", top?.Database ?? 0, 0, 15);
        if (top is null)
        {
            options.ErrorHere("needs a Redis server: add a top-level 'redis:' section or give this check an endpoint");
            return null;
        }
        return top.With(password ?? top.Password, database);
    }
}
