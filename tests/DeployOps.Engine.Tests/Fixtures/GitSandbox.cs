namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// Real git repositories in a temp folder: a bare "origin" and a working clone of it with an initial commit on
/// main pushed, so tests can make the clone dirty, switch branches, tag, commit without pushing, or move origin.
/// </summary>
public sealed class GitSandbox : IDisposable
{
    private static readonly Dictionary<string, string> Env = new()
    {
        ["GIT_AUTHOR_NAME"] = "DeployOps Test",
        ["GIT_AUTHOR_EMAIL"] = "test@deployops.invalid",
        ["GIT_COMMITTER_NAME"] = "DeployOps Test",
        ["GIT_COMMITTER_EMAIL"] = "test@deployops.invalid",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["LC_ALL"] = "C",
    };

    public GitSandbox()
    {
        ExternalProcess.Require("apt-get install -y git", "git");
        Root = ExternalProcess.TempDirectory("git");
        Origin = Path.Combine(Root, "origin.git");
        Clone = Path.Combine(Root, "work");
        Git(Root, $"init --quiet --bare -b main \"{Origin}\"");
        Git(Root, $"clone --quiet \"{Origin}\" \"{Clone}\"");
        Git(Clone, "checkout --quiet -B main");
        Commit("README.md", "# shop\n", "initial");
        Git(Clone, "push --quiet -u origin main");
    }

    public string Root { get; }
    public string Origin { get; }
    public string Clone { get; }

    public string Head => Git(Clone, "rev-parse HEAD").Trim();

    public string Git(string directory, string arguments) =>
        ExternalProcess.Run("git", arguments, TimeSpan.FromSeconds(30), directory, Env);

    public string Git(string arguments) => Git(Clone, arguments);

    /// <summary>Writes a file in the clone and commits it (not pushed).</summary>
    public string Commit(string file, string content, string message)
    {
        File.WriteAllText(Path.Combine(Clone, file), content);
        Git(Clone, $"add \"{file}\"");
        Git(Clone, $"commit --quiet -m \"{message}\"");
        return Head;
    }

    /// <summary>Adds a commit to origin/main from a second clone, so the first clone's origin/main moves after a fetch.</summary>
    public void AdvanceOrigin(string file)
    {
        var other = Path.Combine(Root, "other-" + Guid.NewGuid().ToString("N")[..6]);
        Git(Root, $"clone --quiet \"{Origin}\" \"{other}\"");
        File.WriteAllText(Path.Combine(other, file), "from elsewhere\n");
        Git(other, $"add \"{file}\"");
        Git(other, "commit --quiet -m elsewhere");
        Git(other, "push --quiet origin main");
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
