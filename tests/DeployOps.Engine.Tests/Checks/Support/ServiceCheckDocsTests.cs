using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.Support;

/// <summary>The examples in docs/checks-services-security.md are valid configuration, so operators can copy them.</summary>
public sealed class ServiceCheckDocsTests
{
    [Fact]
    public void Every_yaml_example_in_the_docs_validates()
    {
        var blocks = DocExamples.YamlBlocks(DocExamples.Read("checks-services-security.md"));
        Assert.Equal(6, blocks.Count);
        var env = new Dictionary<string, string> { ["ADMIN_TOKEN"] = "doc-example-token" };
        DocExamples.AssertEachValidates(blocks, env);
    }
}
