using DeployOps.Engine.Clients;

namespace DeployOps.Engine.Hosting;

/// <summary>What the engine holds for the life of the process (the PostgreSQL data sources), released in one call.</summary>
internal static class EngineLifetime
{
    /// <summary>Closes pooled connections and forgets the data sources; the module calls it on Remove-Module.</summary>
    public static void Shutdown() => PostgresDataSources.Shared.Dispose();
}
