using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks;

/// <summary>The examples in docs/checks-database-system.md are valid configuration, so operators can copy them.</summary>
public sealed class DatabaseSystemDocsTests
{
    [Fact]
    public void Every_yaml_example_validates_and_every_kind_is_documented()
    {
        var doc = DocExamples.Read("checks-database-system.md");
        foreach (var kind in new[] { "postgres", "migrations", "redis", "tcp", "disk", "memory", "backup" })
            Assert.Contains($"## `{kind}`", doc);
        var blocks = DocExamples.YamlBlocks(doc);
        Assert.Equal(7, blocks.Count);
        var env = new Dictionary<string, string>
        {
            ["SHOP_DB_PASSWORD"] = "doc-db-password", ["REPORT_DB_PASSWORD"] = "doc-report-password", ["REDIS_PASSWORD"] = "doc-redis-password",
        };
        DocExamples.AssertEachValidates(blocks, env);
    }
}
