namespace DeployOps.Engine.Checks;

/// <summary>One entry of the <c>checks:</c> list as configured.</summary>
internal sealed class CheckDefinition
{
    internal CheckDefinition(string name, string kind, string category, TimeSpan timeout, bool enabled, string? description, ICheck check,
        IReadOnlyList<Targets.SshTarget>? hosts = null)
    {
        Hosts = hosts ?? Array.Empty<Targets.SshTarget>();
        Name = name;
        Kind = kind;
        Category = category;
        Timeout = timeout;
        Enabled = enabled;
        Description = description;
        Check = check;
    }

    public string Name { get; }
    public string Kind { get; }
    public string Category { get; }
    public TimeSpan Timeout { get; }
    public bool Enabled { get; }
    public string? Description { get; }
    public string Target => Check.Target;
    /// <summary>The hosts of <c>targets:</c> the check runs on, each separately; empty: it runs here.</summary>
    public IReadOnlyList<Targets.SshTarget> Hosts { get; }

    internal ICheck Check { get; }

    internal static CheckDefinition? Read(Configuration.ConfigMap map, Func<string, CheckFactoryContext> contextFor, TimeSpan defaultTimeout,
        IReadOnlyDictionary<string, Targets.SshTarget> targets)
    {
        var name = map.RequiredString("name");
        var kind = map.RequiredString("kind");
        var category = map.String("category");
        var timeout = map.Duration("timeout", defaultTimeout);
        var enabled = map.Bool("enabled", true);
        var description = map.String("description");
        if (kind.Length == 0)
        {
            map.Finish();
            return null;
        }
        var factory = CheckCatalog.Find(kind);
        if (factory is null)
        {
            map.Error("kind", $"unknown check kind '{kind}' (known kinds: {string.Join(", ", CheckCatalog.All.Keys.OrderBy(k => k))})");
            return null;
        }
        var hosts = OnTarget.TargetSelector.Read(map, targets);
        var check = factory.Create(map, contextFor(name));
        if (hosts.Count > 0 && check is not OnTarget.ITargetableCheck)
            map.Error(map.Has(OnTarget.TargetSelector.Key) ? OnTarget.TargetSelector.Key : OnTarget.TargetSelector.Alias,
                $"a '{factory.Kind}' check cannot run on a target (kinds that can: {string.Join(", ", TargetableKinds)})");
        map.Finish();
        return new CheckDefinition(name, factory.Kind, category ?? factory.DefaultCategory, timeout, enabled, description, check, hosts);
    }

    /// <summary>The kinds whose checks implement <see cref="OnTarget.ITargetableCheck"/>, for the error message.</summary>
    private static readonly string[] TargetableKinds = { "command", "disk", "docker", "http", "memory", "tcp" };
}
