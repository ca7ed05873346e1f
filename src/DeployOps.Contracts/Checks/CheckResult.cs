namespace DeployOps.Engine.Checks;

/// <summary>The result of one pre-deployment check, as emitted to the pipeline.</summary>
public sealed class CheckResult
{
    public CheckResult(string name, string kind, string category, CheckStatus status, string message, TimeSpan duration,
        string target, IReadOnlyDictionary<string, object?> data)
        : this(name, kind, category, status, message, duration, target, data, null)
    {
    }

    /// <summary>A result of a check that ran on the host <paramref name="host"/> of <c>targets:</c> (null: here).</summary>
    public CheckResult(string name, string kind, string category, CheckStatus status, string message, TimeSpan duration,
        string target, IReadOnlyDictionary<string, object?> data, string? host)
    {
        Host = host;
        Name = name;
        Kind = kind;
        Category = category;
        Status = status;
        Message = message;
        Duration = duration;
        Target = target;
        Data = data;
    }

    public string Name { get; }
    public string Kind { get; }
    public string Category { get; }
    public CheckStatus Status { get; }
    public string Message { get; }
    public TimeSpan Duration { get; }
    public string Target { get; }
    public IReadOnlyDictionary<string, object?> Data { get; }
    /// <summary>The target (host of <c>targets:</c>) the check ran on; null when it ran on the operator's host.</summary>
    public string? Host { get; }

    public override string ToString() => Host is null ? $"{Name}: {Status} - {Message}" : $"{Name} on {Host}: {Status} - {Message}";
}
