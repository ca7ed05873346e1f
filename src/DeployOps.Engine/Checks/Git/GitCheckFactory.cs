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
        if (settings.ExpectedRef is not null && settings.ExpectRemoteTracking)
            options.Error("expectRemoteTracking", "give either 'expectedRef' or 'expectRemoteTracking: true', not both");
        return new GitCheck(settings);
    }
}

internal sealed record GitCheckSettings(string Repository, bool AllowDirty, bool IncludeUntracked, string? Branch,
    string? ExpectedRef, bool ExpectRemoteTracking, bool CheckUnpushed, bool Fetch);
