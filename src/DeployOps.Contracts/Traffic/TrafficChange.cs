namespace DeployOps.Engine.Traffic;

/// <summary>The result of one confirmed traffic change (output of Switch-DeploymentTraffic).</summary>
public sealed class TrafficChange
{
    /// <summary>Creates a traffic change.</summary>
    public TrafficChange(string target, string from, string to, int probes, TimeSpan duration)
    {
        Target = target;
        From = from;
        To = to;
        Probes = probes;
        Duration = duration;
    }

    /// <summary>The routing definition that changed (the upstream include file).</summary>
    public string Target { get; }
    /// <summary>The previous assignment, e.g. "blue 127.0.0.1:5001 weight=100; green 127.0.0.1:5002 down".</summary>
    public string From { get; }
    /// <summary>The assignment now in force, in the same form as <see cref="From"/>.</summary>
    public string To { get; }
    /// <summary>How many probes through the router it took to confirm the new assignment.</summary>
    public int Probes { get; }
    /// <summary>How long the change took, confirmation included.</summary>
    public TimeSpan Duration { get; }
    /// <summary>Why the operator switched (-Reason of Switch-DeploymentTraffic); null for a deployment's own switch.</summary>
    public string? Reason { get; internal set; }
    /// <summary>The change ticket the switch belongs to (-ChangeTicket of Switch-DeploymentTraffic).</summary>
    public string? ChangeTicket { get; internal set; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    /// <summary>"target: from -> to".</summary>
    public override string ToString() => $"{Target}: {From} -> {To}";
}
