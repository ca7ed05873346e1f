using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Configuration;

/// <summary>
/// A password in a URL is a password: written literally it is refused with file:line like any literal password,
/// and whatever it is, the configuration people see shows it masked.
/// </summary>
public sealed class UrlPasswordsTests
{
    private const string Variable = "URLPASS_REFERENCE";
    private const string Planted = "URLPASS-planted-7f3e9a";

    [Fact]
    public void A_literal_password_in_any_configured_url_is_refused_where_it_is_written()
    {
        using var cfg = new TempConfig("""
            application: shop
            environment: prod
            endpoints:
              plain: http://127.0.0.1:8080
              withpass: http://admin:URLPASS-literal@127.0.0.1:8080
            checks:
              - name: api
                kind: http
                url: https://deploy:URLPASS-literal2@127.0.0.1:8443/health
            """);
        var errors = ConfigLoader.Validate(cfg.Path);

        var endpoint = Assert.Single(errors, e => e.Path == "endpoints.withpass");
        Assert.Equal(5, endpoint.Line);
        Assert.Equal(cfg.Path, endpoint.File);
        Assert.Contains("literal password", endpoint.Message);
        Assert.Contains("${env:NAME}", endpoint.Message);
        Assert.Single(errors, e => e.Path == "checks[0].url" && e.Line == 9);
        Assert.DoesNotContain(errors, e => e.Message.Contains("URLPASS-literal", StringComparison.Ordinal));
    }

    [Fact]
    public void A_referenced_password_is_accepted_and_shown_masked_in_the_view_and_its_json()
    {
        using var cfg = new TempConfig($$"""
            application: shop
            environment: prod
            endpoints:
              withpass: http://admin:${env:{{Variable}}}@127.0.0.1:8080/api
              short: http://admin:${file:./pw}@127.0.0.1:8081
              path: http://127.0.0.1:8082/users/a@b
            """);
        File.WriteAllText(Path.Combine(cfg.Directory, "pw"), "pw12");
        var config = ConfigLoader.Load(cfg.Path, name => name == Variable ? Planted : null);
        Assert.Equal($"http://admin:{Planted}@127.0.0.1:8080/api", config.Endpoints["withpass"]); // what checks use

        var view = config.View;
        Assert.Equal("http://admin:***@127.0.0.1:8080/api", view.Endpoints["withpass"]);
        // Too short for the redactor, masked anyway: it sits where a URL keeps its password.
        Assert.Equal("http://admin:***@127.0.0.1:8081", view.Endpoints["short"]);
        Assert.Equal("http://127.0.0.1:8082/users/a@b", view.Endpoints["path"]);
        var json = JsonSerializer.Serialize(view);
        Assert.Contains("admin:***@127.0.0.1:8080", json);
        Assert.DoesNotContain(Planted, json);
        Assert.DoesNotContain(":pw12@", json);
    }
}
