namespace DeployOps.Engine.Health.Exposition;

/// <summary>Increase of a counter between two readings, as PromQL's <c>increase</c> treats resets.</summary>
internal static class CounterDelta
{
    /// <summary>
    /// The increase from <paramref name="previous"/> to <paramref name="current"/>. A counter that went down was
    /// reset (the process restarted) and counted again from zero, so everything it shows now is new. A series with
    /// no previous reading (it appeared since the last scrape) likewise counts whole.
    /// </summary>
    public static double Increase(double? previous, double current)
    {
        if (double.IsNaN(current)) return 0;
        if (previous is not { } before || double.IsNaN(before)) return current;
        return current < before ? current : current - before;
    }

    /// <summary>True when the counter went down between the readings.</summary>
    public static bool IsReset(double? previous, double current) => previous is { } before && current < before;
}
