using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Kubernetes;

/// <summary>
/// <c>kubectl rollout status --timeout</c>: reads the Deployment, then follows its watch stream until the rollout is
/// complete, reports ProgressDeadlineExceeded (failure) or the timeout on <paramref name="clock"/> passes.
/// </summary>
internal static class RolloutWaiter
{
    /// <summary>The server ends each watch after this long; the loop reads afresh and watches again.</summary>
    private const int WatchSeconds = 60;

    public static async Task<string> WaitAsync(KubernetesApi api, string deployment, TimeSpan timeout, TimeProvider clock,
        Action<string> progress, CancellationToken ct)
    {
        using var timer = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        var last = "not read yet";
        var target = $"{api.Cluster.Name}/{api.Cluster.Namespace}/deployment/{deployment}";
        string? Judge(k8s.Models.V1Deployment d)
        {
            var status = RolloutStatus.Of(d);
            if (status.Message != last) progress(status.Message);
            last = status.Message;
            return status.State switch
            {
                RolloutState.Complete => status.Message,
                RolloutState.Failed => throw new DeployOpsException(ErrorIds.KubernetesRolloutFailed, ErrorKind.InvalidResult,
                    $"rollout of {deployment} in {api.Cluster.Name}/{api.Cluster.Namespace} failed: {status.Message}", target),
                _ => null,
            };
        }
        try
        {
            while (true)
            {
                var current = await api.ReadDeploymentAsync(deployment, linked.Token).ConfigureAwait(false);
                if (Judge(current) is { } done) return done;
                var events = 0;
                await foreach (var item in api.WatchDeploymentAsync(deployment, current.Metadata.ResourceVersion, WatchSeconds, linked.Token)
                    .ConfigureAwait(false))
                {
                    events++;
                    if (Judge(item) is { } finished) return finished;
                }
                // A stream that ended at once (an expired resourceVersion) is not retried in a tight loop.
                if (events == 0) await Task.Delay(TimeSpan.FromSeconds(1), clock, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new DeployOpsException(ErrorIds.KubernetesRolloutTimedOut, ErrorKind.OperationTimeout,
                $"rollout of {deployment} in {api.Cluster.Name}/{api.Cluster.Namespace} did not complete within {ValueParsers.FormatDuration(timeout)} (last: {last})",
                target);
        }
    }
}
