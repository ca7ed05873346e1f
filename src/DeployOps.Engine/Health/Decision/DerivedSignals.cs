namespace DeployOps.Engine.Health.Decision;

/// <summary>
/// Signals the engine computes from recorded raw signals (so a replay derives them again from the same evidence):
/// the throughput drop against the rate before the deployment.
/// </summary>
internal static class DerivedSignals
{
    public static void Add(Dictionary<string, double> signals, Dictionary<string, string> unreadable)
    {
        AddThroughputDrop(signals, unreadable);
    }

    /// <summary>
    /// <c>throughputDrop</c> = how many percent the request rate fell below the rate before the deployment. Absent
    /// (its rules do not apply) when no rate before is known: no source gives one, no history before the deployment, or
    /// no traffic then (a drop from nothing says nothing); unreadable when this sample's request rate is.
    /// </summary>
    private static void AddThroughputDrop(Dictionary<string, double> signals, Dictionary<string, string> unreadable)
    {
        if (!signals.TryGetValue(HealthSignals.RequestRateBefore, out var before) || before <= 0) return;
        if (signals.TryGetValue(HealthSignals.RequestRate, out var now))
            signals[HealthSignals.ThroughputDrop] = 100 * (before - now) / before;
        else
            unreadable[HealthSignals.ThroughputDrop] = "request rate unreadable: " +
                (unreadable.TryGetValue(HealthSignals.RequestRate, out var why) ? why : "no source reports it");
    }
}
