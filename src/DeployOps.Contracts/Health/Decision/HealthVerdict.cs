namespace DeployOps.Engine.Health.Decision;

/// <summary>The four answers a health evaluation can give.</summary>
public enum HealthVerdict
{
    /// <summary>Enough evidence, and no rule breached.</summary>
    Healthy,
    /// <summary>A warning rule fired, or a rollback rule is breaching but not yet for its sustained duration.</summary>
    Investigate,
    /// <summary>A rollback rule breached for its sustained duration.</summary>
    Rollback,
    /// <summary>Too little evidence (low traffic, unreadable signals, repeated scrape or query errors).</summary>
    Inconclusive,
}

public enum RuleSeverity
{
    Investigate,
    Rollback,
}
