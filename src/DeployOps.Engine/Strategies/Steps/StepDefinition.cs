namespace DeployOps.Engine.Strategies.Steps;

internal enum StepKind
{
    /// <summary>A shell command (bash, sh or pwsh).</summary>
    Command,
    /// <summary>An HTTP request whose answer must match (smoke test).</summary>
    Http,
    /// <summary>A SQL statement against the top-level postgres database.</summary>
    Sql,
    /// <summary>Replaces the target's container (deployment.docker); added to the start phase by DeployOps.</summary>
    Docker,
}

/// <summary>
/// One configured step of a phase. Text fields may hold the templates {version}, {previousVersion}, {slot},
/// {instance}, {port} and {host}, rendered for the target the step runs against.
/// </summary>
internal sealed class StepDefinition
{
    internal StepDefinition(string name, StepKind kind)
    {
        Name = name;
        Kind = kind;
    }

    public string Name { get; }
    public StepKind Kind { get; }
    public TimeSpan Timeout { get; internal init; } = TimeSpan.FromMinutes(5);
    /// <summary>Extra attempts after a failure (useful for smoke tests against an app still warming up).</summary>
    public int Retries { get; internal init; }
    public TimeSpan RetryDelay { get; internal init; } = TimeSpan.FromSeconds(1);

    // command
    public string? Command { get; internal init; }
    public string Shell { get; internal init; } = "bash";
    public string? WorkingDirectory { get; internal init; }
    public IReadOnlyDictionary<string, string> Environment { get; internal init; } = new Dictionary<string, string>();

    // http
    public string? Url { get; internal init; }
    public string Method { get; internal init; } = "GET";
    public string? Body { get; internal init; }
    public IReadOnlyDictionary<string, string> Headers { get; internal init; } = new Dictionary<string, string>();
    /// <summary>Expected status; null accepts any 2xx.</summary>
    public int? ExpectStatus { get; internal init; }
    /// <summary>Expected JSON values by dotted path (<c>status</c>, <c>data.items.0.id</c>).</summary>
    public IReadOnlyDictionary<string, string> ExpectJson { get; internal init; } = new Dictionary<string, string>();
    /// <summary>Text the body must contain.</summary>
    public string? ExpectBody { get; internal init; }

    // sql
    public string? Sql { get; internal init; }

    /// <summary>The step's main text (command line, "METHOD url" or SQL), unrendered.</summary>
    public string Text => Kind switch
    {
        StepKind.Command => Command!,
        StepKind.Http => $"{Method} {Url}",
        StepKind.Docker => Command!,
        _ => Sql!,
    };

    public override string ToString() => $"{Name} ({Kind.ToString().ToLowerInvariant()}: {Text})";
}
