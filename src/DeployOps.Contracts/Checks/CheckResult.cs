namespace DeployOps.Engine.Checks;

/// <summary>The result of one pre-deployment check, as emitted to the pipeline.</summary>
public sealed class CheckResult
{
    public CheckResult(string name, string kind, string category, CheckStatus status, string message, TimeSpan duration,
        string target, IReadOnlyDictionary<string, object?> data)
    {
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

    public override string ToString() => $"{Name}: {Status} - {Message}";
}
