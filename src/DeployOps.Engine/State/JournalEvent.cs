namespace DeployOps.Engine.State;

internal enum JournalEventKind
{
    /// <summary>First event: Data holds application, environment, version, strategy, user, host, pid…</summary>
    Started,
    PhaseStarted,
    PhaseCompleted,
    PhaseFailed,
    PhaseSkipped,
    /// <summary>A step of a phase finished; a resumed deployment skips it.</summary>
    StepCompleted,
    /// <summary>Data adds or replaces record fields (backup id, migration heads, slot…).</summary>
    Annotated,
    /// <summary>A new process took the deployment over (Resume-Deployment).</summary>
    Resumed,
    /// <summary>Last event: Data holds outcome and error.</summary>
    Ended,
    /// <summary>A step started a process: Data holds pid, pgid, startTicks, bootId and host (see LeftoverProcesses).</summary>
    ProcessStarted,
    /// <summary>That process group was waited for or ended: Data holds pid, pgid and exitCode ("timeout" when killed).</summary>
    ProcessEnded,
    /// <summary>Before its first step, a deployment ended what crashed deployments left running: Data says what was found.</summary>
    LeftoversChecked,
}

/// <summary>One line of a deployment's journal. Appended durably before the deployment takes its next action.</summary>
internal sealed class JournalEvent
{
    public JournalEvent(JournalEventKind kind, string? phase = null, string? step = null, string? detail = null,
        IReadOnlyDictionary<string, string>? data = null, DateTimeOffset? time = null, long sequence = 0)
    {
        Kind = kind;
        Phase = phase;
        Step = step;
        Detail = detail;
        Data = data ?? EmptyData;
        Time = time ?? DateTimeOffset.UtcNow;
        Sequence = sequence;
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyData = new Dictionary<string, string>();

    /// <summary>1, 2, 3… within the deployment; assigned by the store when appended.</summary>
    public long Sequence { get; }
    public DateTimeOffset Time { get; }
    public JournalEventKind Kind { get; }
    public string? Phase { get; }
    public string? Step { get; }
    public string? Detail { get; }
    public IReadOnlyDictionary<string, string> Data { get; }

    internal JournalEvent WithSequence(long sequence) => new(Kind, Phase, Step, Detail, Data, Time, sequence);

    public override string ToString() => $"#{Sequence} {Kind} {Phase} {Step}".TrimEnd();
}
