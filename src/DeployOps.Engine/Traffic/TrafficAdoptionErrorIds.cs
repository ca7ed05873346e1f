namespace DeployOps.Engine.Hosting;

/// <summary>Error identifiers of reading a router DeployOps did not write (public contract: never rename).</summary>
public static partial class ErrorIds
{
    /// <summary>
    /// The upstream file was not written by DeployOps and which backend is live cannot be read from it with certainty;
    /// adopt it once with <c>Switch-DeploymentTraffic -To &lt;slot&gt; -Adopt</c>.
    /// </summary>
    public const string TrafficStateUnknown = "TrafficStateUnknown";
}
