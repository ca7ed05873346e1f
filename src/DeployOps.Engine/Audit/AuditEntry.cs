namespace DeployOps.Engine.Audit;

/// <summary>One line of the audit log: who did what to which target, from where, and how it ended.</summary>
internal sealed class AuditEntry
{
    public AuditEntry(DateTimeOffset time, string user, string host, int processId, string command, string action,
        string target, string outcome, string? application, string? environment, string? deploymentId,
        IReadOnlyDictionary<string, string>? details)
    {
        Time = time;
        User = user;
        Host = host;
        ProcessId = processId;
        Command = command;
        Action = action;
        Target = target;
        Outcome = outcome;
        Application = application;
        Environment = environment;
        DeploymentId = deploymentId;
        Details = details ?? new Dictionary<string, string>();
    }

    public DateTimeOffset Time { get; }
    public string User { get; }
    public string Host { get; }
    public int ProcessId { get; }
    /// <summary>The cmdlet (or engine operation) that acted, e.g. Enter-MaintenanceMode.</summary>
    public string Command { get; }
    public string Action { get; }
    public string Target { get; }
    /// <summary>Succeeded, Failed, Skipped (WhatIf/declined), or an operation-specific word.</summary>
    public string Outcome { get; }
    public string? Application { get; }
    public string? Environment { get; }
    public string? DeploymentId { get; }
    public IReadOnlyDictionary<string, string> Details { get; }
}
