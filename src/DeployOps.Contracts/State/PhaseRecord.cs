namespace DeployOps.Engine.State;

/// <summary>One phase of a deployment (pre-checks, backup, deploy, verify, traffic…) as journaled.</summary>
public sealed class PhaseRecord
{
    internal PhaseRecord(string name, PhaseStatus status, DateTimeOffset start, DateTimeOffset? end, string? detail,
        IReadOnlyList<string> completedSteps)
    {
        Name = name;
        Status = status;
        Start = start;
        End = end;
        Detail = detail;
        CompletedSteps = completedSteps;
    }

    /// <summary>The phase's name (pre-checks, backup, deploy, verify, traffic …).</summary>
    public string Name { get; }
    /// <summary>Running, Succeeded, Failed, Skipped or Interrupted.</summary>
    public PhaseStatus Status { get; }
    /// <summary>When the phase started.</summary>
    public DateTimeOffset Start { get; }
    /// <summary>When the phase ended; null while it runs or when its deployment was interrupted in it.</summary>
    public DateTimeOffset? End { get; }
    /// <summary>How long the phase took; null while it has no <see cref="End"/>.</summary>
    public TimeSpan? Duration => End - Start;
    /// <summary>What the phase reported when it ended (failure reason, chosen slot, …), redacted.</summary>
    public string? Detail { get; }
    /// <summary>Steps of this phase whose completion was journaled, in order.</summary>
    public IReadOnlyList<string> CompletedSteps { get; }

    /// <summary>"name: status".</summary>
    public override string ToString() => $"{Name}: {Status}";
}
