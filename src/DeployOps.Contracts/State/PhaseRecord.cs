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

    public string Name { get; }
    public PhaseStatus Status { get; }
    public DateTimeOffset Start { get; }
    public DateTimeOffset? End { get; }
    public TimeSpan? Duration => End - Start;
    /// <summary>What the phase reported when it ended (failure reason, chosen slot, …), redacted.</summary>
    public string? Detail { get; }
    /// <summary>Steps of this phase whose completion was journaled, in order.</summary>
    public IReadOnlyList<string> CompletedSteps { get; }

    public override string ToString() => $"{Name}: {Status}";
}
