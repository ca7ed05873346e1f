namespace DeployOps.Engine.State;

/// <summary>
/// One deployment of one application/environment, as its journal tells it. Running and Interrupted deployments
/// have no End. Built by the store from the journal, so it is the same whichever command reads it.
/// </summary>
public sealed class DeploymentRecord
{
    internal DeploymentRecord(string id, string application, string environment, string version,
        string? previousVersion, string strategy, string user, string host, int processId, DateTimeOffset start,
        DateTimeOffset? end, DeploymentOutcome outcome, IReadOnlyList<PhaseRecord> phases, string? error,
        string? logPath, IReadOnlyDictionary<string, string> fields)
    {
        Id = id;
        Application = application;
        Environment = environment;
        Version = version;
        PreviousVersion = previousVersion;
        Strategy = strategy;
        User = user;
        Host = host;
        ProcessId = processId;
        Start = start;
        End = end;
        Outcome = outcome;
        Phases = phases;
        Error = error;
        LogPath = logPath;
        Fields = fields;
    }

    /// <summary>The strategy a manual traffic switch is recorded under (its <see cref="Kind"/> is TrafficSwitch).</summary>
    public const string TrafficSwitchStrategy = nameof(DeploymentKind.TrafficSwitch);

    /// <summary>The deployment's id (the name -Id, Resume-Deployment and Invoke-Rollback take).</summary>
    public string Id { get; }
    /// <summary>The application name (application: in deployops.yaml).</summary>
    public string Application { get; }
    /// <summary>The environment name (environment: in deployops.yaml).</summary>
    public string Environment { get; }
    /// <summary>The version deployed (-Version).</summary>
    public string Version { get; }
    /// <summary>The version that ran before (what a rollback puts back); null for the first deployment.</summary>
    public string? PreviousVersion { get; }
    /// <summary>BlueGreen, Canary, Rolling, Hotfix (as the deployment engine named it).</summary>
    public string Strategy { get; }
    /// <summary>A deployment, or a manual traffic switch (Switch-DeploymentTraffic), told apart by
    /// <see cref="Strategy"/>, which is journaled with the entry's first event.</summary>
    public DeploymentKind Kind => Strategy == TrafficSwitchStrategy ? DeploymentKind.TrafficSwitch : DeploymentKind.Deployment;
    /// <summary>A traffic switch: the slot that had the traffic before (null when unknown, or for a deployment).</summary>
    public string? FromSlot => Field(DeploymentField.FromSlot);
    /// <summary>A traffic switch: the slot it moved all traffic to (null for a deployment).</summary>
    public string? ToSlot => Field(DeploymentField.ToSlot);
    /// <summary>The operating-system user who started it.</summary>
    public string User { get; }
    /// <summary>The machine it ran on.</summary>
    public string Host { get; }
    /// <summary>The process id of the pwsh that ran it on <see cref="Host"/> (how a dead deployment is told from a
    /// running one).</summary>
    public int ProcessId { get; }
    /// <summary>When it started.</summary>
    public DateTimeOffset Start { get; }
    /// <summary>When it ended; null while running and for an interrupted deployment.</summary>
    public DateTimeOffset? End { get; }
    /// <summary>How long it took; null while it has no <see cref="End"/>.</summary>
    public TimeSpan? Duration => End - Start;
    /// <summary>Running, Succeeded, Failed, RolledBack or Interrupted.</summary>
    public DeploymentOutcome Outcome { get; }
    /// <summary>Its phases in the order they started.</summary>
    public IReadOnlyList<PhaseRecord> Phases { get; }
    /// <summary>The last phase that completed successfully: where Resume-Deployment continues after it.</summary>
    public string? LastCompletedPhase => Phases.LastOrDefault(p => p.Status == PhaseStatus.Succeeded)?.Name;
    /// <summary>Why it failed, was rolled back or interrupted (redacted).</summary>
    public string? Error { get; }
    /// <summary>The deployment's own log file; null when it wrote none.</summary>
    public string? LogPath { get; }
    /// <summary>The database backup taken before it changed anything; null when none was taken.</summary>
    public string? BackupId => Field(DeploymentField.BackupId);
    /// <summary>Why it was deployed (-Reason).</summary>
    public string? Reason => Field(DeploymentField.Reason);
    /// <summary>The change ticket it belongs to (-ChangeTicket); Get-DeploymentHistory -ChangeTicket filters on it.</summary>
    public string? ChangeTicket => Field(DeploymentField.ChangeTicket);
    /// <summary>The sign-off before deploying (deployment.approval): who approved or denied, when, with which comment; null when none was needed.</summary>
    public DeploymentSignOff? SignOff => DeploymentSignOff.FromFields(Fields);
    /// <summary>The migrations table's latest value before the deployment migrated; null when it did not
    /// migrate.</summary>
    public string? MigrationHeadBefore => Field(DeploymentField.MigrationHeadBefore);
    /// <summary>The migrations table's latest value after the deployment migrated; null when it did not
    /// migrate.</summary>
    public string? MigrationHeadAfter => Field(DeploymentField.MigrationHeadAfter);
    /// <summary>The health decision record that judged it (Rollback or Investigate); null when there is none.</summary>
    public string? DecisionRecordPath => Field(DeploymentField.DecisionRecordPath);
    /// <summary>The pending migrations as rehearsed before <c>migrate</c> ran: "id:expand,id2:contract" (null when not classified).</summary>
    public string? MigrationClasses => Field(DeploymentField.MigrationClasses);
    /// <summary>Recorded by Invoke-Deployment -RecordOnly: what already ran, adopted without changing anything.</summary>
    public bool IsBaseline => Field(DeploymentField.Baseline) == "true";
    /// <summary>Every annotation journaled for this deployment (see <see cref="DeploymentField"/>).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }

    private string? Field(string name) => Fields.TryGetValue(name, out var value) ? value : null;

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    /// <summary>"id application/environment version outcome".</summary>
    public override string ToString() => $"{Id} {Application}/{Environment} {Version} {Outcome}";
}

/// <summary>Names of annotations a deployment can carry: journaled with it while it runs, read back through
/// <see cref="DeploymentRecord.Fields"/> and the record's properties.</summary>
public static class DeploymentField
{
    /// <summary>The database backup taken before the deployment changed anything.</summary>
    public const string BackupId = "backupId";
    /// <summary>The migrations table's latest value before the deployment migrated.</summary>
    public const string MigrationHeadBefore = "migrationHeadBefore";
    /// <summary>The migrations table's latest value after the deployment migrated.</summary>
    public const string MigrationHeadAfter = "migrationHeadAfter";
    /// <summary>The path of the health decision record written for the deployment.</summary>
    public const string DecisionRecordPath = "decisionRecordPath";
    /// <summary>"id:expand,id2:contract": each migration the deployment applies, classified on a scratch copy first.</summary>
    public const string MigrationClasses = "migrationClasses";
    /// <summary>"true" when a failed deployment or rollback left maintenance on because the application was not serving.</summary>
    public const string MaintenanceLeftOn = "maintenanceLeftOn";
    /// <summary>"true" on a baseline (Invoke-Deployment -RecordOnly): it recorded the running state and changed nothing.</summary>
    public const string Baseline = "baseline";
    /// <summary>Engine-private resume data (active slot, canary step…) may use any other camelCase name.</summary>
    public const string ActiveSlot = "activeSlot";
    /// <summary>The image id (sha256:…) the deployment's containers run (deployment.docker).</summary>
    public const string ImageId = "imageId";
    /// <summary>The image reference that id was resolved from (e.g. shop:1.4.2).</summary>
    public const string ImageReference = "imageReference";
    /// <summary>-Reason of Invoke-Deployment (or of Switch-DeploymentTraffic on a traffic switch's entry).</summary>
    public const string Reason = "reason";
    /// <summary>-ChangeTicket of Invoke-Deployment (or of Switch-DeploymentTraffic on a traffic switch's entry).</summary>
    public const string ChangeTicket = "changeTicket";
    /// <summary>A traffic switch's slot that had the traffic before.</summary>
    public const string FromSlot = "fromSlot";
    /// <summary>A traffic switch's slot that got all traffic.</summary>
    public const string ToSlot = "toSlot";
    /// <summary>The freeze window a deployment was let through with -OverrideFreeze.</summary>
    public const string FreezeOverridden = "freezeOverridden";
}
