using System.Runtime.CompilerServices;

namespace DeployOps.Engine.Tests.Support;

/// <summary>Files of the repository itself (docs, examples) that tests read.</summary>
public static class RepositoryPaths
{
    /// <summary>
    /// The folder holding DeployOps.sln, found from this source file's own location, so it works when build output is
    /// redirected outside the repository (DEPLOYOPS_ARTIFACTS).
    /// </summary>
    public static string Root { get; } = FindRoot();

    public static string Docs(string name) => Path.Combine(Root, "docs", name);

    public static string Examples(string name) => Path.Combine(Root, "examples", name);

    private static string FindRoot([CallerFilePath] string source = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(source)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DeployOps.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("DeployOps.sln not found above " + source);
    }
}
