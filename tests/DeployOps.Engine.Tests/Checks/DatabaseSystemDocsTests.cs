using System.Text.RegularExpressions;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks;

/// <summary>The examples in docs/checks-database-system.md are valid configuration, so operators can copy them.</summary>
public sealed class DatabaseSystemDocsTests
{
    [Fact]
    public void Every_yaml_example_validates_and_every_kind_is_documented()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "checks-database-system.md"));
        foreach (var kind in new[] { "postgres", "migrations", "redis", "tcp", "disk", "memory", "backup" })
            Assert.Contains($"## `{kind}`", doc);
        var blocks = Regex.Matches(doc, "```yaml\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(7, blocks.Count);
        var env = new Dictionary<string, string>
        {
            ["SHOP_DB_PASSWORD"] = "doc-db-password", ["REPORT_DB_PASSWORD"] = "doc-report-password", ["REDIS_PASSWORD"] = "doc-redis-password",
        };
        foreach (var block in blocks)
        {
            using var config = new TempConfig($"application: shop\nenvironment: production\n{block}");
            var errors = ConfigLoader.Validate(config.Path, n => env.GetValueOrDefault(n));
            Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n---\n" + block);
        }
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(source)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DeployOps.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("DeployOps.sln not found above " + source);
    }
}
