using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Git;

/// <summary>Reads <c>kind: git</c> entries: which repository, and what state its checkout must be in.</summary>
internal sealed class GitCheckFactory : ICheckFactory
{
    public string Kind => "git";
    public string DefaultCategory => "Source";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var settings = new GitCheckSettings(
            Repository: context.ResolvePath(options.String("repository", ".")),
            AllowDirty: options.Bool("allowDirty", false),
            IncludeUntracked: options.Bool("includeUntracked", true),
            Branch: options.String("branch"),
            ExpectedRef: options.String("expectedRef"),
            ExpectRemoteTracking: options.Bool("expectRemoteTracking", false),
            CheckUnpushed: options.Bool("checkUnpushed", true),
            Fetch: options.Bool("fetch", false));
        // Refs reach git as arguments: one starting with '-' would be read as an option.
        if (settings.ExpectedRef is { } expectedRef && (expectedRef.StartsWith('-') || expectedRef.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0))
            options.Error("expectedRef", "a ref cannot start with '-' or hold a line break");
        if (settings.Branch is { } branch && (branch.StartsWith('-') || branch.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0))
            options.Error("branch", "a branch name cannot start with '-' or hold a line break");
        if (settings.ExpectedRef is not null && settings.ExpectRemoteTracking)
            options.Error("expectRemoteTracking", "give either 'expectedRef' or 'expectRemoteTracking: true', not both");
        return new GitCheck(settings);
    }
}

internal sealed record GitCheckSettings(string Repository, bool AllowDirty, bool IncludeUntracked, string? Branch,
    string? ExpectedRef, bool ExpectRemoteTracking, bool CheckUnpushed, bool Fetch);
