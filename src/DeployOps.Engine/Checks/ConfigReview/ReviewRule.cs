namespace DeployOps.Engine.Checks.ConfigReview;

internal enum RuleSeverity
{
    Warning,
    Failure,
}

internal enum RuleKind
{
    Equals,
    NotEquals,
    Exists,
    Absent,
}

/// <summary>One <c>rules:</c> item: a key path and what must hold for it.</summary>
internal sealed record ReviewRule(string Key, RuleKind Kind, string? Value, RuleSeverity Severity, string? Description)
{
    public string Describe() => Kind switch
    {
        RuleKind.Equals => $"equals '{Value}'",
        RuleKind.NotEquals => $"not equal to '{Value}'",
        RuleKind.Exists => "exists",
        _ => "absent",
    };
}

internal enum ReviewFormat
{
    Yaml,
    Json,
    Env,
}
