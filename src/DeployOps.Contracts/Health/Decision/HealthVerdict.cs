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

/// <summary>What a health rule does when it breaches for its sustained duration.</summary>
public enum RuleSeverity
{
    /// <summary>Makes the verdict Investigate: someone should look, nothing is rolled back.</summary>
    Investigate,
    /// <summary>Makes the verdict Rollback (Watch-DeploymentHealth -AutoRollback then rolls the deployment
    /// back).</summary>
    Rollback,
}
