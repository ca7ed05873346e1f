namespace DeployOps.Engine.Health.Signals;

/// <summary>One place signals come from (a set of /metrics targets, a Prometheus server, health endpoints, a database…).</summary>
internal interface ISignalSource : IAsyncDisposable
{
    string Name { get; }

    /// <summary>The reading before the first interval (counters need a starting point). Failures are not fatal.</summary>
    Task<SourceReading> PrimeAsync(CancellationToken cancellationToken);

    Task<SourceReading> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>What one source read in one interval.</summary>
internal sealed class SourceReading
{
    public Dictionary<string, double> Signals { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Unreadable { get; } = new(StringComparer.Ordinal);
    /// <summary>Scrape/query failures: counted separately by the engine, never evidence against the deployment.</summary>
    public List<string> Errors { get; } = new();
    public List<string> Notes { get; } = new();

    public void Set(string signal, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) Unreadable[signal] = "not a finite number";
        else Signals[signal] = value;
    }

    public static SourceReading Empty => new();
}
