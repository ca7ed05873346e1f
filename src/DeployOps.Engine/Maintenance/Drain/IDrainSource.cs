namespace DeployOps.Engine.Maintenance.Drain;

/// <summary>Reads how much work is still in flight. Throws <see cref="DrainSourceException"/> when it cannot tell.</summary>
internal interface IDrainSource
{
    /// <summary>What is read, e.g. "active_connections at http://host/health".</summary>
    string Description { get; }
    Task<long> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>A reading failed (endpoint down, field missing, query error); the waiter keeps polling.</summary>
internal sealed class DrainSourceException : Exception
{
    public DrainSourceException(string message, Exception? inner = null) : base(message, inner) { }
}
