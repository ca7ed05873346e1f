using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Checks.Support;

namespace DeployOps.Engine.Tests.Checks.ConfigReview;

public sealed class ConfigReviewCheckTests
{
    private const string ProductionRules = """
            rules:
              - { key: debug, equals: false }
              - { key: database.host, notEquals: localhost, description: production must not use a local database }
              - { key: database.password, exists: true }
              - { key: features.beta, exists: false, severity: warning }
        """;

    private static async Task<CheckResult> Review(string fileName, string content, string rules, string extraKeys = "")
    {
        using var check = new ConfiguredCheck($"  - name: review\n    kind: config-review\n    file: config/{fileName}\n{extraKeys}{rules}\n");
        Directory.CreateDirectory(Path.Combine(check.Directory, "config"));
        File.WriteAllText(Path.Combine(check.Directory, "config", fileName), content);
        return await check.RunSingleAsync();
    }

    private static IReadOnlyList<IReadOnlyDictionary<string, object?>> Violations(CheckResult r) =>
        ((IEnumerable<Dictionary<string, object?>>)r.Data["violations"]!).ToList();

    [Fact]
    public async Task Good_yaml_passes_every_rule()
    {
        var result = await Review("app.yaml", """
            debug: false
            database:
              host: db.internal
              password: Prod-Pw-4471
            """, ProductionRules);

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("Configuration", result.Category);
        Assert.Equal("4 rule(s) hold in app.yaml", result.Message);
        Assert.Equal("yaml", result.Data["format"]);
        Assert.Empty(Violations(result));
    }

    [Fact]
    public async Task Bad_yaml_reports_every_violated_rule_with_expected_and_actual()
    {
        var result = await Review("app.yml", """
            debug: True
            database:
              host: localhost
            features:
              beta: on
            """, ProductionRules);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("4 of 4 rule(s) violated in app.yml: " +
            "debug: expected 'false', found 'True'; " +
            "database.host: must not be 'localhost', found 'localhost' (production must not use a local database); " +
            "database.password: is missing, expected it to be set; " +
            "features.beta: must not be set, found 'on' [warning]", result.Message);
        var debug = Violations(result)[0];
        Assert.Equal("debug", debug["key"]);
        Assert.Equal("false", debug["expected"]);
        Assert.Equal("True", debug["actual"]);
        Assert.Equal("failure", debug["severity"]);
        Assert.Equal("debug,database.host,database.password,features.beta", result.Data["violated"]);
    }

    [Fact]
    public async Task Only_warning_rules_violated_gives_a_warning()
    {
        var result = await Review("app.yaml", "debug: false\ndatabase: { host: db, password: x1234 }\nfeatures: { beta: true }\n", ProductionRules);
        Assert.Equal(CheckStatus.Warning, result.Status);
        Assert.StartsWith("1 of 4 rule(s) violated", result.Message);
    }

    [Fact]
    public async Task Json_files_support_nested_keys_and_list_indexes()
    {
        const string json = """
            { "debug": false, "database": { "host": "localhost", "port": 5432 },
              "replicas": [ { "host": "r1.internal" } ], "apiToken": "tok-planted-0042" }
            """;
        var result = await Review("appsettings.json", json, """
                rules:
                  - { key: debug, equals: false }
                  - { key: database.port, equals: 5432 }
                  - { key: 'replicas[0].host', equals: r1.internal }
                  - { key: database.host, notEquals: localhost }
                  - { key: apiToken, equals: something-else }
                  - { key: replicas, equals: one }
            """);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("json", result.Data["format"]);
        Assert.Equal("database.host,apiToken,replicas", result.Data["violated"]);
        Assert.Contains("apiToken: expected 'something-else', found ***", result.Message);
        Assert.Contains("replicas: expected 'one', found a list of 1", result.Message);
        Assert.Equal("***", Violations(result)[1]["actual"]);
        Assert.DoesNotContain("tok-planted-0042", result.Message);
    }

    [Fact]
    public async Task Env_files_are_read_as_flat_keys_and_secret_values_are_masked()
    {
        const string env = """
            # production settings
            export DEBUG=true
            DATABASE_HOST="localhost"
            SECRET_KEY='changeme-planted-value'
            ALLOWED_HOSTS=shop.example.test # inline comment
            """;
        var result = await Review(".env.production", env, """
                rules:
                  - { key: DEBUG, equals: false }
                  - { key: DATABASE_HOST, notEquals: localhost }
                  - { key: SECRET_KEY, notEquals: changeme }
                  - { key: SECRET_KEY, exists: false, severity: warning }
                  - { key: ALLOWED_HOSTS, equals: shop.example.test }
            """);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("env", result.Data["format"]);
        Assert.Equal("DEBUG,DATABASE_HOST,SECRET_KEY", result.Data["violated"]);
        Assert.Contains("SECRET_KEY: must not be set, found *** [warning]", result.Message);
        Assert.DoesNotContain("changeme-planted-value", result.Message);
        Assert.DoesNotContain("changeme-planted-value", string.Join(",", Violations(result).SelectMany(v => v.Values)));
    }

    [Fact]
    public async Task Format_can_be_given_when_the_name_does_not_tell()
    {
        var result = await Review("settings.conf", "DEBUG=false\n", "    rules:\n      - { key: DEBUG, equals: false }\n", "    format: env\n");
        Assert.Equal(CheckStatus.Passed, result.Status);
    }

    [Fact]
    public async Task Missing_and_unparsable_files_fail_naming_the_file()
    {
        using var check = new ConfiguredCheck("""
              - name: missing
                kind: config-review
                file: nowhere.yaml
                rules: [ { key: debug, equals: false } ]
              - name: broken
                kind: config-review
                file: broken.json
                rules: [ { key: debug, equals: false } ]
            """);
        File.WriteAllText(Path.Combine(check.Directory, "broken.json"), "{ \"debug\": false,\n  \"x\": }");
        var report = await check.RunAllAsync();

        var missing = report.Results.Single(r => r.Name == "missing");
        var broken = report.Results.Single(r => r.Name == "broken");
        Assert.Equal(CheckStatus.Failed, missing.Status);
        Assert.Equal($"file not found: {Path.Combine(check.Directory, "nowhere.yaml")}", missing.Message);
        Assert.Equal(CheckStatus.Failed, broken.Status);
        Assert.StartsWith($"cannot read {Path.Combine(check.Directory, "broken.json")} as json: JSON syntax error at line 2", broken.Message);
    }

    [Fact]
    public void Rule_mistakes_are_configuration_errors()
    {
        using var check = new ConfiguredCheck("""
              - name: a
                kind: config-review
                file: app.ini
                rules:
                  - { key: debug }
                  - { key: debug, equals: false, notEquals: true }
                  - { key: debug, equals: false, severity: fatal }
                  - { key: 'a..b', exists: true }
              - name: b
                kind: config-review
                file: app.yaml
            """);
        var errors = check.Validate();

        Assert.Contains(errors, e => e.Path == "checks[0].file" && e.Message.Contains("set format: yaml, json or env"));
        Assert.Contains(errors, e => e.Path == "checks[0].rules[0]" && e.Message.Contains("needs one of 'equals', 'notEquals' or 'exists'"));
        Assert.Contains(errors, e => e.Path == "checks[0].rules[1]" && e.Message.Contains("only one of"));
        Assert.Contains(errors, e => e.Path == "checks[0].rules[2].severity" && e.Message.Contains("expected one of warning, failure"));
        Assert.Contains(errors, e => e.Path == "checks[0].rules[3].key" && e.Message.Contains("invalid key path"));
        Assert.Contains(errors, e => e.Path == "checks[1].rules" && e.Message == "list at least one rule");
    }

    [Fact]
    public async Task A_reviewed_file_nested_100000_deep_fails_the_check_instead_of_crashing_the_host()
    {
        var result = await Review("deep.yaml", "debug: " + new string('[', 100_000) + new string(']', 100_000) + "\n", ProductionRules);
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("nested deeper than 64 levels", result.Message);
        Assert.Contains("line 1", result.Message);
    }

    [Fact]
    public async Task A_reviewed_file_that_is_a_fifo_fails_the_check_by_its_kind()
    {
        using var check = new ConfiguredCheck($"  - name: review\n    kind: config-review\n    file: pipe.env\n{ProductionRules}\n");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(check.Directory, "pipe.env"))) mkfifo.WaitForExit();
        var result = await check.RunSingleAsync();
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("is a FIFO", result.Message);
    }
}
