using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void Missing_file_is_ConfigNotFound_naming_the_path_tried()
    {
        var path = Path.Combine(Path.GetTempPath(), "nowhere-" + Guid.NewGuid(), "deployops.yaml");
        var ex = Assert.Throws<DeployOpsException>(() => ConfigLoader.Load(path));
        Assert.Equal(ErrorIds.ConfigNotFound, ex.ErrorId);
        Assert.Contains(path, ex.Message);
        Assert.Equal(path, ex.Target);
    }

    [Fact]
    public void Folder_path_resolves_to_the_deployops_yaml_inside_it()
    {
        using var cfg = new TempConfig("application: shop\nenvironment: staging\n");
        Assert.Equal(cfg.Path, ConfigLoader.ResolvePath(cfg.Directory, "/"));
    }

    [Fact]
    public void All_problems_are_reported_at_once_with_line_column_and_key_path()
    {
        using var cfg = new TempConfig("""
            application: shop
            environmnt: production
            defaults:
              checkTimeout: soon
            checks:
              - name: disk
                kind: disk
                timeout: 5 parsecs
              - name: db
                kind: postgress
            """);
        var errors = ConfigLoader.Validate(cfg.Path);

        Assert.Contains(errors, e => e.Path == "environment" && e.Message == "is required");
        var typo = Assert.Single(errors, e => e.Path == "environmnt");
        Assert.Equal((2, 1), (typo.Line, typo.Column));
        Assert.Contains("did you mean 'environment'", typo.Message);
        var timeout = Assert.Single(errors, e => e.Path == "defaults.checkTimeout");
        Assert.Equal(4, timeout.Line);
        var checkTimeout = Assert.Single(errors, e => e.Path == "checks[0].timeout");
        Assert.Equal((8, 14), (checkTimeout.Line, checkTimeout.Column));
        Assert.Contains("expected a duration like", checkTimeout.Message);
        var kind = Assert.Single(errors, e => e.Path == "checks[1].kind");
        Assert.Contains("unknown check kind 'postgress'", kind.Message);
        Assert.All(errors, e => Assert.Equal(cfg.Path, e.File));
        Assert.StartsWith($"{cfg.Path}:8:14: checks[0].timeout:", checkTimeout.ToString());
    }

    [Fact]
    public void Load_throws_ConfigInvalid_listing_every_problem()
    {
        using var cfg = new TempConfig("application: shop\nenvironment: prod\nbogus: 1\nstate:\n  stor: file\n");
        var ex = Assert.Throws<ConfigValidationException>(() => ConfigLoader.Load(cfg.Path));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains("bogus", ex.Message);
        Assert.Contains("state.stor", ex.Message);
    }

    [Fact]
    public void Yaml_syntax_errors_carry_their_position()
    {
        using var cfg = new TempConfig("application: shop\nenvironment: [prod\n");
        var error = Assert.Single(ConfigLoader.Validate(cfg.Path));
        Assert.Contains("YAML syntax error", error.Message);
        Assert.True(error.Line >= 2);
    }

    [Fact]
    public void Environment_references_resolve_and_missing_ones_are_named()
    {
        using var cfg = new TempConfig("""
            application: shop
            environment: prod
            postgres:
              url: postgres://app:${env:SHOP_DB_PASSWORD}@127.0.0.1:5432/shop
            redis:
              password: ${env:SHOP_REDIS_PASSWORD}
            """);
        var env = new Dictionary<string, string> { ["SHOP_DB_PASSWORD"] = "s3cret-value-123" };
        var errors = ConfigLoader.Validate(cfg.Path, n => env.GetValueOrDefault(n));
        var missing = Assert.Single(errors);
        Assert.Equal("redis.password", missing.Path);
        Assert.Contains("environment variable 'SHOP_REDIS_PASSWORD' is not set", missing.Message);

        env["SHOP_REDIS_PASSWORD"] = "redis-secret-456";
        var config = ConfigLoader.Load(cfg.Path, n => env.GetValueOrDefault(n));
        Assert.Equal("127.0.0.1:5432/shop", config.Postgres!.Display);
        Assert.Equal("shop has *** and ***", config.Redactor.Redact("shop has s3cret-value-123 and redis-secret-456"));
    }

    [Fact]
    public void Literal_passwords_in_the_file_are_refused()
    {
        using var cfg = new TempConfig("application: a\nenvironment: b\npostgres:\n  database: shop\n  password: hunter22\n");
        var error = Assert.Single(ConfigLoader.Validate(cfg.Path));
        Assert.Equal("postgres.password", error.Path);
        Assert.Contains("reference", error.Message);
    }

    [Fact]
    public void File_references_resolve_relative_to_the_config()
    {
        using var cfg = new TempConfig("application: a\nenvironment: b\npostgres:\n  database: shop\n  password: ${file:secrets/pg}\n");
        Directory.CreateDirectory(Path.Combine(cfg.Directory, "secrets"));
        File.WriteAllText(Path.Combine(cfg.Directory, "secrets", "pg"), "from-a-file-789\n");
        var config = ConfigLoader.Load(cfg.Path);
        Assert.Contains("from-a-file-789", config.Postgres!.ConnectionString);
        Assert.Equal("pw=***", config.Redactor.Redact("pw=from-a-file-789"));
    }

    [Fact]
    public void State_directory_defaults_next_to_the_config()
    {
        using var cfg = new TempConfig("application: a\nenvironment: b\n");
        var config = ConfigLoader.Load(cfg.Path);
        Assert.Equal(Path.Combine(cfg.Directory, ".deployops"), config.State.Directory);
        Assert.Equal(State.StateStoreKind.File, config.State.Store);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5000)]
    [InlineData("2m", 120000)]
    [InlineData("1.5h", 5400000)]
    [InlineData("1d", 86400000)]
    [InlineData("00:02:30", 150000)]
    [InlineData("1.02:00:00", 93600000)]
    [InlineData("00:00:01.5", 1500)]
    public void Durations_parse(string text, double ms)
    {
        Assert.True(ValueParsers.TryParseDuration(text, out var d));
        Assert.Equal(ms, d.TotalMilliseconds);
    }

    [Theory]
    [InlineData("10GB", 10_000_000_000L)]
    [InlineData("512MiB", 536_870_912L)]
    [InlineData("100B", 100L)]
    public void Sizes_parse(string text, long bytes)
    {
        Assert.True(ValueParsers.TryParseSize(text, out var b));
        Assert.Equal(bytes, b);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("5 sec")]
    [InlineData("-1s")]
    [InlineData("120")]
    [InlineData("12:00")]
    [InlineData("00:60:00")]
    public void Bad_durations_are_refused(string text) => Assert.False(ValueParsers.TryParseDuration(text, out _));
}
