using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Configuration;

/// <summary>The shipped examples are documentation: they must keep validating as the configuration grows.</summary>
public sealed class ExampleConfigTests
{
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["SHOP_DB_PASSWORD"] = "example-db-password",
        ["SHOP_SECRET_KEY"] = "example-secret-key-that-is-long-enough-for-the-check-0123456789",
    };

    [Fact]
    public void Example_deployops_yaml_validates_and_uses_every_check_kind_but_docker()
    {
        var path = RepositoryPaths.Examples("deployops.yaml");
        var errors = ConfigLoader.Validate(path, Environment.GetValueOrDefault);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        var config = ConfigLoader.Load(path, Environment.GetValueOrDefault);
        var kinds = config.Checks.Select(c => c.Kind).ToHashSet();
        var all = DeployOps.Engine.Checks.CheckCatalog.All.Keys.Where(k => k != "docker");
        Assert.All(all, kind => Assert.Contains(kind, kinds));
        Assert.Equal("shop", config.Application);
        Assert.True(config.Deployment.IsConfigured);
    }

    [Fact]
    public void Example_without_its_secrets_names_the_missing_variable()
    {
        var path = RepositoryPaths.Examples("deployops.yaml");
        var errors = ConfigLoader.Validate(path, _ => null);
        var error = Assert.Single(errors);
        Assert.Equal("postgres.password", error.Path);
        Assert.Contains("SHOP_DB_PASSWORD", error.Message);
    }
}
