namespace DeployOps.Engine.Hosting;

/// <summary>
/// Everything the engine says to its caller. A cmdlet forwards these to PowerShell's streams;
/// tests record them. Implementations must be safe to call from any thread.
/// </summary>
internal interface IOutputSink
{
    void WriteRecord(object record);
    void WriteProgress(ProgressUpdate progress);
    void WriteVerbose(string message);
    void WriteWarning(string message);
    /// <summary>A non-terminating error: the operation goes on.</summary>
    void WriteError(DeployOpsError error);
    /// <summary>Asks before a state change; false means "skip it" (-WhatIf or a declined -Confirm).</summary>
    bool ShouldProcess(string target, string action);

    /// <summary>
    /// True for a dry run (-WhatIf): the operation only says what it would do and changes nothing at all: no file,
    /// no state directory, no audit line, no lock, no journal. A declined -Confirm is not a dry run (it is audited).
    /// </summary>
    bool IsDryRun { get; }
}

internal sealed record ProgressUpdate(
    int ActivityId,
    string Activity,
    string Status,
    int PercentComplete = -1,
    int SecondsRemaining = -1,
    bool Completed = false,
    int ParentActivityId = -1);
