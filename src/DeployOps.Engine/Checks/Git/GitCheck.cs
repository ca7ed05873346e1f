namespace DeployOps.Engine.Checks.Git;

/// <summary>
/// Verifies the checkout a deployment is made from: clean working tree, expected branch, HEAD at the expected
/// ref (or at its remote-tracking branch) and nothing committed locally that was never pushed.
/// All problems are reported together.
/// </summary>
internal sealed class GitCheck : ICheck
{
    private const int FilesShown = 10;
    private readonly GitCheckSettings _s;

    public GitCheck(GitCheckSettings settings) => _s = settings;

    public string Target => _s.Repository;

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?> { ["repository"] = _s.Repository };
        if (!Directory.Exists(_s.Repository)) return CheckOutcome.Fail($"repository folder not found: {_s.Repository}", data);
        var git = new GitCli(_s.Repository);
        try
        {
            return await InspectAsync(git, data, cancellationToken).ConfigureAwait(false);
        }
        catch (GitFailedException ex)
        {
            return CheckOutcome.Fail(ex.Message, data);
        }
    }

    private async Task<CheckOutcome> InspectAsync(GitCli git, Dictionary<string, object?> data, CancellationToken ct)
    {
        var (inside, insideOutput) = await git.RunAsync(ct, "rev-parse", "--is-inside-work-tree").ConfigureAwait(false);
        if (inside == 127) return CheckOutcome.Fail("git is not installed (command not found)", data);
        if (inside != 0 || insideOutput.Trim() != "true") return CheckOutcome.Fail($"not a git working tree: {_s.Repository}", data);
        var (hasHead, _) = await git.RunAsync(ct, "rev-parse", "--verify", "--quiet", "HEAD").ConfigureAwait(false);
        if (hasHead != 0) return CheckOutcome.Fail("the repository has no commits yet", data);

        if (_s.Fetch) await git.OutputAsync(ct, "fetch", "--quiet").ConfigureAwait(false);

        var problems = new List<string>();
        var head = (await git.OutputAsync(ct, "rev-parse", "HEAD").ConfigureAwait(false)).Trim();
        var branch = (await git.OutputAsync(ct, "rev-parse", "--abbrev-ref", "HEAD").ConfigureAwait(false)).Trim();
        data["head"] = head;
        data["branch"] = branch == "HEAD" ? null : branch;

        var statusArgs = _s.IncludeUntracked ? new[] { "status", "--porcelain=v1" } : new[] { "status", "--porcelain=v1", "--untracked-files=no" };
        var changed = (await git.OutputAsync(ct, statusArgs).ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Length > 3)
            .Select(l => l[3..].Trim().Trim('"'))
            .ToList();
        data["dirty"] = changed.Count;
        data["dirtyFiles"] = string.Join(", ", changed.Take(100));
        if (changed.Count > 0 && !_s.AllowDirty)
            problems.Add($"working tree has {changed.Count} uncommitted change(s): {string.Join(", ", changed.Take(FilesShown))}" +
                (changed.Count > FilesShown ? $", … ({changed.Count - FilesShown} more)" : ""));

        if (_s.Branch is { } expectedBranch)
        {
            data["expectedBranch"] = expectedBranch;
            if (branch == "HEAD") problems.Add($"HEAD is detached at {Short(head)}, expected branch '{expectedBranch}'");
            else if (branch != expectedBranch) problems.Add($"on branch '{branch}', expected '{expectedBranch}'");
        }

        if (_s.ExpectedRef is { } expectedRef)
        {
            data["expectedRef"] = expectedRef;
            var (found, commit) = await git.RunAsync(ct, "rev-parse", "--verify", "--quiet", "--end-of-options", expectedRef + "^{commit}").ConfigureAwait(false);
            if (found != 0) problems.Add($"expected ref '{expectedRef}' does not exist in the repository");
            else
            {
                data["expectedCommit"] = commit.Trim();
                if (commit.Trim() != head) problems.Add($"HEAD is {Short(head)}, expected {expectedRef} ({Short(commit.Trim())})");
            }
        }

        var (hasUpstream, upstreamName) = await git.RunAsync(ct, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}").ConfigureAwait(false);
        if (hasUpstream == 0)
        {
            var upstream = upstreamName.Trim();
            var counts = (await git.OutputAsync(ct, "rev-list", "--left-right", "--count", "@{u}...HEAD").ConfigureAwait(false))
                .Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
            var behind = int.Parse(counts[0]);
            var ahead = int.Parse(counts[1]);
            data["upstream"] = upstream;
            data["ahead"] = ahead;
            data["behind"] = behind;
            if (_s.CheckUnpushed && ahead > 0) problems.Add($"{ahead} commit(s) not pushed to {upstream}");
            if (_s.ExpectRemoteTracking)
            {
                var remoteCommit = (await git.OutputAsync(ct, "rev-parse", "@{u}").ConfigureAwait(false)).Trim();
                data["expectedCommit"] = remoteCommit;
                if (remoteCommit != head)
                    problems.Add($"HEAD {Short(head)} differs from {upstream} {Short(remoteCommit)} (ahead {ahead}, behind {behind})");
            }
        }
        else
        {
            data["upstream"] = null;
            if (_s.ExpectRemoteTracking)
                problems.Add(branch == "HEAD" ? "HEAD is detached, so it has no remote-tracking branch to compare with"
                    : $"branch '{branch}' has no upstream (remote-tracking) branch to compare with");
        }

        if (problems.Count > 0) return CheckOutcome.Fail(string.Join("; ", problems), data);
        var where = branch == "HEAD" ? $"detached at {Short(head)}" : $"{branch} at {Short(head)}";
        var tracking = data["upstream"] is not string up ? ""
            : data["behind"] is int b && b > 0 ? $", {b} commit(s) behind {up}" : $", in sync with {up}";
        var dirtyNote = changed.Count > 0 ? $" ({changed.Count} uncommitted change(s) allowed)" : ", clean";
        return CheckOutcome.Pass($"{where}{dirtyNote}{tracking}", data);
    }

    private static string Short(string commit) => commit.Length > 12 ? commit[..12] : commit;
}
