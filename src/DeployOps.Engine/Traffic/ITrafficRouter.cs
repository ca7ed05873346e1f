namespace DeployOps.Engine.Traffic;

/// <summary>
/// Moves traffic between backends. An implementation owns one routing definition (e.g. an nginx upstream include
/// file) and guarantees all-or-nothing: after <see cref="ApplyAsync"/> either the new assignment is live and
/// confirmed by probing through the router, or the previous one is restored and an exception is thrown.
/// </summary>
public interface ITrafficRouter
{
    /// <summary>Where the routing definition lives, for messages and audit lines.</summary>
    string Target { get; }

    /// <summary>The assignment currently written, or null when the router has never been written by DeployOps.</summary>
    Task<IReadOnlyList<TrafficBackend>?> ReadCurrentAsync(CancellationToken cancellationToken);

    /// <summary>Writes, validates, reloads and confirms <paramref name="backends"/>; restores the previous state on any failure.</summary>
    Task<TrafficChange> ApplyAsync(IReadOnlyList<TrafficBackend> backends, CancellationToken cancellationToken);
}
