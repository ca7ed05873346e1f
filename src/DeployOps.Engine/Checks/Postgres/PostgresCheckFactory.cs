using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Postgres;

/// <summary><c>kind: postgres</c> — the database answers, quickly, and is not overloaded or lagging.</summary>
internal sealed class PostgresCheckFactory : ICheckFactory
{
    public static readonly TimeSpan DefaultWarnLatency = TimeSpan.FromMilliseconds(50);
    public const int DefaultMaxActiveConnections = 10;

    public string Kind => "postgres";
    public string DefaultCategory => "Database";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var settings = PostgresConnection.Read(options, context);
        var warnLatency = options.Duration("warnLatency", DefaultWarnLatency);
        var maxConnections = options.Int("maxActiveConnections", DefaultMaxActiveConnections, 0);
        int? warnConnections = options.Has("warnActiveConnections") ? options.Int("warnActiveConnections", 0, 0) : null;
        var maxLag = options.OptionalDuration("maxReplicationLag");
        return new PostgresCheck(settings, warnLatency, maxConnections, warnConnections, maxLag);
    }
}
