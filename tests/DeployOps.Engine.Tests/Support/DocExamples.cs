using System.Text.RegularExpressions;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Tests.Support;

/// <summary>The yaml examples of a docs page, checked to be valid configuration so operators can copy them.</summary>
public static class DocExamples
{
    /// <summary>The text of docs/<paramref name="name"/>.</summary>
    public static string Read(string name) => File.ReadAllText(RepositoryPaths.Docs(name));

    /// <summary>The bodies of the page's <c>```yaml</c> fences, in order.</summary>
    public static List<string> YamlBlocks(string doc) =>
        Regex.Matches(doc, "```yaml\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();

    /// <summary>Each block, under an application and environment, validates with no error (secrets from <paramref name="env"/>).</summary>
    public static void AssertEachValidates(IEnumerable<string> blocks, IReadOnlyDictionary<string, string> env)
    {
        foreach (var block in blocks)
        {
            using var config = new TempConfig($"application: shop\nenvironment: production\n{block}");
            var errors = ConfigLoader.Validate(config.Path, n => env.GetValueOrDefault(n));
            Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n---\n" + block);
        }
    }
}
