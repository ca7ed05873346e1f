namespace DeployOps.Engine.Hosting;

/// <summary>Error identifiers of Kubernetes targets (public contract: never rename).</summary>
public static partial class ErrorIds
{
    /// <summary>The API server could not be reached (connection refused, DNS, timeout).</summary>
    public const string KubernetesUnreachable = "KubernetesUnreachable";
    /// <summary>The API server's certificate is not signed by the configured CA (or does not name the server).</summary>
    public const string KubernetesTlsRejected = "KubernetesTlsRejected";
    /// <summary>The API server refused the credentials (401) or the action (403).</summary>
    public const string KubernetesAccessDenied = "KubernetesAccessDenied";
    /// <summary>A Service, Deployment or container the configuration names does not exist (404), or does not fit.</summary>
    public const string KubernetesObjectNotFound = "KubernetesObjectNotFound";
    /// <summary>An update kept meeting a newer resourceVersion (409) after every retry with a fresh read.</summary>
    public const string KubernetesConflict = "KubernetesConflict";
    /// <summary>A rollout failed: the Deployment reported ProgressDeadlineExceeded.</summary>
    public const string KubernetesRolloutFailed = "KubernetesRolloutFailed";
    /// <summary>A rollout did not complete within deployment.kubernetes.rolloutTimeout.</summary>
    public const string KubernetesRolloutTimedOut = "KubernetesRolloutTimedOut";
    /// <summary>Rollout undo found no earlier ReplicaSet revision of the Deployment to go back to.</summary>
    public const string KubernetesNoPreviousRevision = "KubernetesNoPreviousRevision";
}
