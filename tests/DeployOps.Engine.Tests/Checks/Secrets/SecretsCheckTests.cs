using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Checks.Support;

namespace DeployOps.Engine.Tests.Checks.Secrets;

public sealed class SecretsCheckTests : IDisposable
{
    // Unique per test instance so parallel tests never see each other's variables.
    private readonly string _prefix = "DEPLOYOPS_T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant() + "_";
    private readonly List<string> _set = new();

    private string Var(string name, string? value)
    {
        var full = _prefix + name;
        Environment.SetEnvironmentVariable(full, value);
        _set.Add(full);
        return full;
    }

    public void Dispose()
    {
        foreach (var name in _set) Environment.SetEnvironmentVariable(name, null);
    }

    private static string Strong() => "k9" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Present_long_enough_and_real_values_pass()
    {
        var key = Var("SECRET_KEY", Strong());
        var token = Var("API_TOKEN", "tkn-" + Guid.NewGuid().ToString("N"));
        var result = await ConfiguredCheck.RunAsync(
            $"  - name: secrets\n    kind: secrets\n    variables:\n      - {{ name: {key}, minLength: 50 }}\n      - {token}\n");

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("Security", result.Category);
        Assert.Equal($"env: {key}, {token}", result.Target);
        Assert.Equal(2, result.Data["ok"]);
        Assert.Equal("", result.Data["missing"]);
    }

    [Fact]
    public async Task Each_problem_is_named_by_variable()
    {
        var missing = Var("MISSING", null);
        var empty = Var("EMPTY", "   ");
        var shortKey = Var("SHORT", "only-twenty-chars-xx");
        var changeme = Var("CHANGEME", "ChangeMe");
        var xs = Var("XS", "xxxxxxxxxxxx");
        var template = Var("TEMPLATE", "your-secret-key");
        var custom = Var("CUSTOM", "Acme-Default-2020");
        var fine = Var("FINE", Strong());
        var result = await ConfiguredCheck.RunAsync($"""
              - name: secrets
                kind: secrets
                placeholders: [acme-default-2020]
                variables:
                  - {missing}
                  - {empty}
                  - name: {shortKey}
                    minLength: 50
                  - {changeme}
                  - {xs}
                  - {template}
                  - {custom}
                  - {fine}
            """);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.StartsWith("7 of 8 secret(s) not ready: ", result.Message);
        Assert.Contains($"{missing} is not set", result.Message);
        Assert.Contains($"{empty} is empty", result.Message);
        Assert.Contains($"{shortKey} is too short (minimum 50 characters)", result.Message);
        Assert.Contains($"{changeme} holds a placeholder value", result.Message);
        Assert.Contains($"{xs} holds a placeholder value", result.Message);
        Assert.Contains($"{template} holds a placeholder value", result.Message);
        Assert.Contains($"{custom} holds a placeholder value", result.Message);
        Assert.DoesNotContain(fine, result.Message);
        Assert.Equal(missing, result.Data["missing"]);
        Assert.Equal(shortKey, result.Data["tooShort"]);
        Assert.Equal(string.Join(",", changeme, xs, template, custom), result.Data["placeholder"]);
        Assert.Equal(1, result.Data["ok"]);
    }

    [Fact]
    public async Task Check_level_min_length_applies_to_every_variable_without_its_own()
    {
        var a = Var("A", "abcdefghij-" + Guid.NewGuid().ToString("N")[..4]);
        var b = Var("B", "abcdefghij-" + Guid.NewGuid().ToString("N")[..4]);
        var result = await ConfiguredCheck.RunAsync(
            $"  - name: s\n    kind: secrets\n    minLength: 20\n    variables:\n      - {a}\n      - {{ name: {b}, minLength: 10 }}\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal($"1 of 2 secret(s) not ready: {a} is too short (minimum 20 characters)", result.Message);
    }

    [Fact]
    public async Task Planted_secret_values_never_appear_in_results_sink_or_audit()
    {
        var planted = new[]
        {
            "PLANTED-strong-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"),
            "PLANTED-short-" + Guid.NewGuid().ToString("N")[..6],
            "your-PLANTED-placeholder-" + Guid.NewGuid().ToString("N")[..6],
        };
        var strong = Var("STRONG", planted[0]);
        var shortOne = Var("SHORT", planted[1]);
        var placeholder = Var("PLACEHOLDER", planted[2]);
        // The command prints two of the values: the redactor must catch what a check cannot avoid printing.
        using var check = new ConfiguredCheck($$"""
              - name: secrets
                kind: secrets
                variables:
                  - {{strong}}
                  - { name: {{shortOne}}, minLength: 50 }
                  - {{placeholder}}
              - name: echo
                kind: command
                command: echo "strong=${{strong}} short=${{shortOne}}" && exit 3
            """);
        var report = await check.RunAllAsync();

        var secrets = report.Results.Single(r => r.Name == "secrets");
        Assert.Equal(CheckStatus.Failed, secrets.Status);
        Assert.Contains($"{shortOne} is too short (minimum 50 characters)", secrets.Message);
        Assert.Contains($"{placeholder} holds a placeholder value", secrets.Message);
        Assert.Single(report.Results, r => r.Name == "echo" && r.Status == CheckStatus.Failed);

        var everything = string.Join("\n", report.Results.SelectMany(r =>
            new[] { r.ToString(), r.Target, r.Message }.Concat(r.Data.Select(kv => $"{kv.Key}={kv.Value}"))))
            + check.Sink.AllText() + string.Join("\n", check.Sink.Errors.Select(e => e.Message));
        var audit = check.AuditText();
        Assert.NotEmpty(audit);
        Assert.Contains("secrets", audit);
        foreach (var value in planted)
        {
            Assert.DoesNotContain(value, everything);
            Assert.DoesNotContain(value, audit);
        }
        Assert.DoesNotContain("PLANTED", everything);
        Assert.DoesNotContain("PLANTED", audit);
    }

    [Fact]
    public void Configuration_mistakes_are_reported()
    {
        using var check = new ConfiguredCheck("""
              - name: none
                kind: secrets
              - name: bad
                kind: secrets
                variables:
                  - not a name
                  - { name: OK_NAME, minLen: 5 }
                  - OK_NAME
            """);
        var errors = check.Validate();

        Assert.Contains(errors, e => e.Path == "checks[0].variables" && e.Message.Contains("at least one"));
        Assert.Contains(errors, e => e.Path == "checks[1].variables[0]" && e.Message.Contains("'not a name' is not an environment variable name"));
        Assert.Contains(errors, e => e.Path == "checks[1].variables[1].minLen" && e.Message.Contains("unknown key 'minLen' (expected one of: minLength, name)"));
        Assert.Contains(errors, e => e.Path == "checks[1].variables[2]" && e.Message.Contains("listed twice"));
    }
}
