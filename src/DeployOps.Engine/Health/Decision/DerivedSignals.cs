namespace DeployOps.Engine.Health.Decision;

/// <summary>
/// Signals the engine computes from recorded raw signals (so a replay derives them again from the same evidence):
/// the throughput drop against the rate before the deployment, the log error rate against the rate before.
/// </summary>
internal static class DerivedSignals
{
    public static void Add(Dictionary<string, double> signals, Dictionary<string, string> unreadable)
    {
        AddThroughputDrop(signals, unreadable);
        AddLogErrorIncrease(signals, unreadable);
    }

    /// <summary>
    /// <c>logErrorIncrease</c> = error lines per minute ÷ the rate before, with a floor of 1 line/min under the rate
    /// before (so a single error after a clean log is 1×, the seeds' "single error: OK, monitor"); a log whose lines
    /// carry no timestamp has no rate before and is judged against the floor alone.
    /// </summary>
    private static void AddLogErrorIncrease(Dictionary<string, double> signals, Dictionary<string, string> unreadable)
    {
        if (!signals.TryGetValue(HealthSignals.LogErrorRate, out var rate))
        {
            if (unreadable.TryGetValue(HealthSignals.LogErrorRate, out var why)) unreadable[HealthSignals.LogErrorIncrease] = why;
            return;
        }
        var before = signals.TryGetValue(HealthSignals.LogErrorRateBefore, out var b) ? b : 0;
        signals[HealthSignals.LogErrorIncrease] = rate / Math.Max(1, before);
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
