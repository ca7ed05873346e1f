using DeployOps.Engine.Configuration;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

public sealed class MaintenanceSettingsTests
{
    [Fact]
    public void Defaults_are_applied_and_relative_paths_resolve_against_the_config_folder()
    {
        using var cfg = new MaintenanceConfig("""
            redis:
              endpoint: 127.0.0.1:6399
            maintenance:
              flagFile: { path: flags/MAINT }
              redis: {}
              nginx: { includeFile: nginx/maintenance.conf }
              drain: { url: http://127.0.0.1:1/health }
            """);
        var m = cfg.Config.Maintenance;
        Assert.Equal(Path.Combine(cfg.Directory, "flags", "MAINT"), m.FlagFile!.Path);
        Assert.Equal("deployops:maintenance:shop:test", m.Redis!.Key);
        Assert.Null(m.Redis.Ttl);
        Assert.Null(m.Redis.Channel);
        Assert.Equal(Path.Combine(cfg.Directory, "nginx", "maintenance.conf"), m.Nginx!.IncludeFile);
        Assert.Equal(new[] { "/health" }, m.Nginx.BypassPaths);
        Assert.Empty(m.Nginx.AllowFrom);
        Assert.Equal(TimeSpan.FromMinutes(5), m.Nginx.RetryAfter);
        Assert.EndsWith("-t", m.Nginx.TestCommand);
        Assert.EndsWith("-s reload", m.Nginx.ReloadCommand);
        Assert.Equal(DrainSourceKind.Health, m.Drain!.Source);
        Assert.Equal("active_connections", m.Drain.Field);
        Assert.Equal(5, m.Drain.Threshold);
        Assert.Equal(TimeSpan.FromSeconds(10), m.Drain.Interval);
        Assert.Equal(TimeSpan.FromSeconds(120), m.Drain.Timeout);
        Assert.False(m.StayOnFailure);
    }

    [Fact]
    public void Problems_are_reported_with_their_key_path()
    {
        using var file = new TempConfig("""
            application: shop
            environment: test
            maintenance:
              redis: { key: k }
              nginx: { includeFile: x.conf, bypassPaths: ["/ok", "no-slash", "/a;b"], allowFrom: [10.0.0.0/8], pagePath: missing.html }
              drain: { source: prometheus, url: ftp://x, treshold: 3 }
              stayOnFailure: maybe
            """);
        var errors = ConfigLoader.Validate(file.Path);
        Assert.Contains(errors, e => e.Path == "maintenance.redis" && e.Message.Contains("top-level 'redis:'"));
        Assert.Equal(2, errors.Count(e => e.Path == "maintenance.nginx.bypassPaths"));
        Assert.Contains(errors, e => e.Path == "maintenance.nginx.allowFrom" && e.Message.Contains("10.0.0.0/8"));
        Assert.Contains(errors, e => e.Path == "maintenance.nginx.pagePath" && e.Message.Contains("missing.html"));
        Assert.Contains(errors, e => e.Path == "maintenance.drain.url" && e.Message.Contains("ftp://x"));
        Assert.Contains(errors, e => e.Path == "maintenance.drain.metric");
        Assert.Contains(errors, e => e.Path == "maintenance.drain.treshold" && e.Message.Contains("did you mean 'threshold'"));
        Assert.Contains(errors, e => e.Path == "maintenance.stayOnFailure");
    }
}
