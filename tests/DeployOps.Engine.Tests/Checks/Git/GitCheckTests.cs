using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Fixtures;
using static DeployOps.Engine.Tests.Checks.Support.ConfiguredCheck;

namespace DeployOps.Engine.Tests.Checks.Git;

public sealed class GitCheckTests : IDisposable
{
    private readonly GitSandbox _git = new();

    public void Dispose() => _git.Dispose();

    private Task<CheckResult> Run(string keys = "", string? repository = null) =>
        RunAsync($"  - name: source\n    kind: git\n    timeout: 20s\n    repository: {Q(repository ?? _git.Clone)}\n{keys}");

    [Fact]
    public async Task Clean_checkout_on_the_expected_branch_in_sync_with_origin_passes()
    {
        var result = await Run("    branch: main\n    expectRemoteTracking: true\n");

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("Source", result.Category);
        Assert.Equal(_git.Clone, result.Target);
        Assert.Equal($"main at {_git.Head[..12]}, clean, in sync with origin/main", result.Message);
        Assert.Equal(_git.Head, result.Data["head"]);
        Assert.Equal("origin/main", result.Data["upstream"]);
        Assert.Equal(0, result.Data["ahead"]);
        Assert.Equal(0, result.Data["dirty"]);
    }

    [Fact]
    public async Task Dirty_tree_fails_naming_the_changed_files()
    {
        File.AppendAllText(Path.Combine(_git.Clone, "README.md"), "local edit\n");
        File.WriteAllText(Path.Combine(_git.Clone, "notes.txt"), "untracked\n");

        var dirty = await Run();
        var trackedOnly = await Run("    includeUntracked: false\n");
        var allowed = await Run("    allowDirty: true\n");

        Assert.Equal(CheckStatus.Failed, dirty.Status);
        Assert.Equal("working tree has 2 uncommitted change(s): README.md, notes.txt", dirty.Message);
        Assert.Equal("README.md, notes.txt", dirty.Data["dirtyFiles"]);
        Assert.Equal("working tree has 1 uncommitted change(s): README.md", trackedOnly.Message);
        Assert.Equal(CheckStatus.Passed, allowed.Status);
        Assert.Contains("(2 uncommitted change(s) allowed)", allowed.Message);
    }

    [Fact]
    public async Task Wrong_branch_and_detached_head_fail()
    {
        _git.Git("checkout --quiet -b feature/login");
        var wrong = await Run("    branch: main\n");
        _git.Git("checkout --quiet --detach main");
        var detached = await Run("    branch: main\n");

        Assert.Equal(CheckStatus.Failed, wrong.Status);
        Assert.Equal("on branch 'feature/login', expected 'main'", wrong.Message);
        Assert.Equal("feature/login", wrong.Data["branch"]);
        Assert.Equal(CheckStatus.Failed, detached.Status);
        Assert.Equal($"HEAD is detached at {_git.Head[..12]}, expected branch 'main'", detached.Message);
    }

    [Fact]
    public async Task Head_must_equal_the_expected_ref()
    {
        var released = _git.Head;
        _git.Git("tag v1.4.0");
        var next = _git.Commit("app.txt", "v2\n", "next");
        _git.Git("push --quiet origin main");

        var mismatch = await Run("    expectedRef: v1.4.0\n");
        var byCommit = await Run($"    expectedRef: {next}\n");
        var unknown = await Run("    expectedRef: v9.9.9\n");

        Assert.Equal(CheckStatus.Failed, mismatch.Status);
        Assert.Equal($"HEAD is {next[..12]}, expected v1.4.0 ({released[..12]})", mismatch.Message);
        Assert.Equal(released, mismatch.Data["expectedCommit"]);
        Assert.Equal(CheckStatus.Passed, byCommit.Status);
        Assert.Equal(CheckStatus.Failed, unknown.Status);
        Assert.Equal("expected ref 'v9.9.9' does not exist in the repository", unknown.Message);
    }

    [Fact]
    public async Task Unpushed_commits_fail()
    {
        _git.Commit("hotfix.txt", "fix\n", "hotfix one");
        _git.Commit("hotfix.txt", "fix 2\n", "hotfix two");
        var result = await Run();
        var ignored = await Run("    checkUnpushed: false\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("2 commit(s) not pushed to origin/main", result.Message);
        Assert.Equal(2, result.Data["ahead"]);
        Assert.Equal(CheckStatus.Passed, ignored.Status);
    }

    [Fact]
    public async Task Remote_tracking_comparison_sees_origin_move_after_a_fetch()
    {
        _git.AdvanceOrigin("release.txt");
        var stale = await Run("    expectRemoteTracking: true\n");
        var fetched = await Run("    expectRemoteTracking: true\n    fetch: true\n");

        // Without a fetch the clone does not know origin moved.
        Assert.Equal(CheckStatus.Passed, stale.Status);
        Assert.Equal(CheckStatus.Failed, fetched.Status);
        Assert.Matches(@"^HEAD [0-9a-f]{12} differs from origin/main [0-9a-f]{12} \(ahead 0, behind 1\)$", fetched.Message);
        Assert.Equal(1, fetched.Data["behind"]);
    }

    [Fact]
    public async Task Branch_without_upstream_cannot_match_its_remote_tracking_branch()
    {
        _git.Git("checkout --quiet -b local-only");
        var result = await Run("    expectRemoteTracking: true\n");
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("branch 'local-only' has no upstream (remote-tracking) branch to compare with", result.Message);
    }

    [Fact]
    public async Task Folder_that_is_not_a_repository_fails()
    {
        var plain = Path.Combine(_git.Root, "plain");
        Directory.CreateDirectory(plain);
        var result = await Run(repository: plain);
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal($"not a git working tree: {plain}", result.Message);
    }
}
