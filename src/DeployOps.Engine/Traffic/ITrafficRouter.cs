namespace DeployOps.Engine.Traffic;

/// <summary>
/// Moves traffic between backends. An implementation owns one routing definition (e.g. an nginx upstream include
/// file) and guarantees all-or-nothing: after <see cref="ApplyAsync"/> either the new assignment is live and
/// confirmed by probing through the router, or the previous one is restored and an exception is thrown.
/// </summary>
internal interface ITrafficRouter
{
    /// <summary>Where the routing definition lives, for messages and audit lines.</summary>
    string Target { get; }

    /// <summary>The assignment currently written, or null when the router has never been written by DeployOps.</summary>
    Task<IReadOnlyList<TrafficBackend>?> ReadCurrentAsync(CancellationToken cancellationToken);

    /// <summary>Writes, validates, reloads and confirms <paramref name="backends"/>; restores the previous state on any failure.</summary>
    Task<TrafficChange> ApplyAsync(IReadOnlyList<TrafficBackend> backends, CancellationToken cancellationToken);

    /// <summary>
    /// Waits (bounded) until the router sends no more requests to backends it took out of rotation — in-flight work
    /// of a previous configuration included — so a slot can be stopped without failing requests. Returns what it
    /// waited for, for the record. A router that applies changes to every connection at once needs no wait.
    /// </summary>
    Task<string?> WaitUntilRetiredAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>
    /// Re-applies the current assignment when the router's definition no longer matches what the settings write for it
    /// (e.g. it was written before <c>traffic.maxFails</c> changed); null when it is up to date or not DeployOps's.
    /// </summary>
    Task<TrafficChange?> RefreshAsync(CancellationToken cancellationToken) => Task.FromResult<TrafficChange?>(null);
}
