using DeployOps.Engine.Maintenance;
using DeployOps.Engine.State;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Configuration;

/// <summary>Builds the <see cref="DeploymentConfig"/> users see from the loaded model: words, not settings objects.</summary>
internal static class ConfigView
{
    public static DeploymentConfig Build(ConfigModel m)
    {
        var r = m.Redactor;
        var deployment = m.Deployment;
        var traffic = deployment.Traffic;
        return new DeploymentConfig(m, m.FilePath, m.Application, m.Environment,
            r.Redact(m.State.Store == StateStoreKind.Postgres ? $"postgres {m.State.Postgres}" : $"directory {m.State.Directory}"),
            m.Postgres is null ? null : r.Redact(m.Postgres.ToString()),
            m.Redis is null ? null : r.Redact(m.Redis.ToString()),
            m.Checks.Select(c => $"{c.Name} ({c.Kind})" + (c.Enabled ? "" : " disabled")).ToList(),
            deployment.IsConfigured ? deployment.Strategy : null,
            deployment.Slots.Concat(deployment.Instances).Select(t => t.ToString()).ToList(),
            traffic.Provider == TrafficProvider.None ? null
                : traffic.Haproxy is { } haproxy ? r.Redact($"haproxy backend {haproxy.Backend} ({haproxy.Socket})")
                : r.Redact($"{traffic.Provider.ToString().ToLowerInvariant()} {traffic.UpstreamFile} (upstream {traffic.UpstreamName})"),
            Maintenance(m.Maintenance).Select(r.Redact).ToList(),
            m.Health.Policy.Rules.Select(rule => r.Redact(rule.ToString())).ToList(),
            m.Backup.Directory.Length == 0 ? null : m.Backup.Directory)
        {
            Endpoints = m.Endpoints.ToDictionary(e => e.Key, e => UrlPasswords.Mask(r.Redact(e.Value)), StringComparer.Ordinal),
        };
    }

    private static IEnumerable<string> Maintenance(MaintenanceSettings s)
    {
        if (s.FlagFile is { } flag) yield return $"flag file {flag.Path}";
        if (s.Redis is { } redis) yield return $"redis key {redis.Key}";
        if (s.Nginx is { } nginx) yield return $"nginx page {nginx.IncludeFile}";
        if (s.Drain is { } drain) yield return $"drain: {drain.Source.ToString().ToLowerInvariant()} below {drain.Threshold} within {DisplayFormat.Duration(drain.Timeout)}";
    }
}
