namespace DeployOps.Engine.Checks;

/// <summary>The result of one pre-deployment check, as emitted to the pipeline.</summary>
public sealed class CheckResult
{
    /// <summary>Creates a result; the engine does this for every check it runs (and tests for their own
    /// checks).</summary>
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

    /// <summary>The check's name in deployops.yaml (checks[].name).</summary>
    public string Name { get; }
    /// <summary>The check's kind (checks[].kind), e.g. postgres, redis, http, disk.</summary>
    public string Kind { get; }
    /// <summary>The check's category (Database, Cache, Service, System, Security, Configuration, Source, Process): from
    /// checks[].category or the kind's default.</summary>
    public string Category { get; }
    /// <summary>Whether the check passed, warned, failed or was skipped.</summary>
    public CheckStatus Status { get; }
    /// <summary>What the check found, in words (secrets redacted).</summary>
    public string Message { get; }
    /// <summary>How long the check ran, timeouts included.</summary>
    public TimeSpan Duration { get; }
    /// <summary>What the check looked at (a URL, host:port, path …), secrets redacted.</summary>
    public string Target { get; }
    /// <summary>The measurements behind the message, by name (e.g. latency, free bytes); secrets redacted, empty when
    /// the check has none.</summary>
    public IReadOnlyDictionary<string, object?> Data { get; }
    /// <summary>The target (host of <c>targets:</c>) the check ran on; null when it ran on the operator's host.</summary>
    public string? Host { get; }

    /// <summary>"name: status - message", with " on host" for a check that ran on a target.</summary>
    public override string ToString() => Host is null ? $"{Name}: {Status} - {Message}" : $"{Name} on {Host}: {Status} - {Message}";
}
