namespace DeployOps.Engine.Tests.Support;

/// <summary>Building deployops.yaml text in tests.</summary>
public static class YamlText
{
    /// <summary>Prefixes every non-empty line with <paramref name="indent"/>, to nest a block under a key.</summary>
    public static string Indent(string text, string indent) =>
        string.Join("\n", text.Split('\n').Select(l => l.Length == 0 ? l : indent + l));
}
