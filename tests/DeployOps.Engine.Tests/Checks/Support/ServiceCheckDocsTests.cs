using System.Text.RegularExpressions;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.Support;

/// <summary>The examples in docs/checks-services-security.md are valid configuration, so operators can copy them.</summary>
public sealed class ServiceCheckDocsTests
{
    [Fact]
    public void Every_yaml_example_in_the_docs_validates()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "checks-services-security.md"));
        var blocks = Regex.Matches(doc, "```yaml\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(6, blocks.Count);
        var env = new Dictionary<string, string> { ["ADMIN_TOKEN"] = "doc-example-token" };
        foreach (var block in blocks)
        {
            using var config = new TempConfig($"application: shop\nenvironment: production\n{block}");
            var errors = ConfigLoader.Validate(config.Path, n => env.GetValueOrDefault(n));
            Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n---\n" + block);
        }
    }

    // The source file's own location, so it works when build output is redirected (DEPLOYOPS_ARTIFACTS).
    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(source)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DeployOps.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("DeployOps.sln not found above " + source);
    }
}
