using System.Net;
using System.Security.Authentication;
using DeployOps.Engine.Hosting;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace DeployOps.Engine.Kubernetes;

/// <summary>
/// The handful of API calls DeployOps makes (docs/kubernetes.md lists them), with the API's failures turned into
/// DeployOps errors naming the cluster and object. Updates are read-modify-replace: a 409 (someone else wrote the
/// object since our read) is retried with a fresh read, so nobody's change is overwritten.
/// </summary>
internal sealed class KubernetesApi : IDisposable
{
    private const int ConflictRetries = 5;
    private readonly IKubernetes _client;
    private readonly Action<string> _log;

    public KubernetesApi(KubernetesCluster cluster, Action<string> log)
    {
        Cluster = cluster;
        _client = cluster.CreateClient();
        _log = log;
    }

    public KubernetesCluster Cluster { get; }
    private string Namespace => Cluster.Namespace;

    /// <summary>GET /apis/apps/v1/namespaces/{ns}/deployments/{name}</summary>
    public Task<V1Deployment> ReadDeploymentAsync(string name, CancellationToken ct) =>
        CallAsync($"deployment/{name}", () => _client.AppsV1.ReadNamespacedDeploymentAsync(name, Namespace, cancellationToken: ct), ct);

    /// <summary>GET /api/v1/namespaces/{ns}/services/{name}</summary>
    public Task<V1Service> ReadServiceAsync(string name, CancellationToken ct) =>
        CallAsync($"service/{name}", () => _client.CoreV1.ReadNamespacedServiceAsync(name, Namespace, cancellationToken: ct), ct);

    /// <summary>GET /apis/apps/v1/namespaces/{ns}/replicasets?labelSelector=…</summary>
    public async Task<IList<V1ReplicaSet>> ListReplicaSetsAsync(string what, string labelSelector, CancellationToken ct) =>
        (await CallAsync(what, () => _client.AppsV1.ListNamespacedReplicaSetAsync(Namespace, labelSelector: labelSelector, cancellationToken: ct), ct)
            .ConfigureAwait(false)).Items ?? new List<V1ReplicaSet>();

    /// <summary>
    /// Applies <paramref name="change"/> to a fresh read and PUTs it with that read's resourceVersion; a 409 starts
    /// over. <paramref name="change"/> returns false when the object already is as wanted (nothing is written).
    /// </summary>
    public Task<V1Deployment> UpdateDeploymentAsync(string name, Func<V1Deployment, bool> change, CancellationToken ct) =>
        UpdateAsync($"deployment/{name}", () => ReadDeploymentAsync(name, ct), change,
            d => _client.AppsV1.ReplaceNamespacedDeploymentAsync(d, name, Namespace, cancellationToken: ct), ct);

    /// <summary>The same read-modify-replace for a Service (PUT /api/v1/namespaces/{ns}/services/{name}).</summary>
    public Task<V1Service> UpdateServiceAsync(string name, Func<V1Service, bool> change, CancellationToken ct) =>
        UpdateAsync($"service/{name}", () => ReadServiceAsync(name, ct), change,
            s => _client.CoreV1.ReplaceNamespacedServiceAsync(s, name, Namespace, cancellationToken: ct), ct);

    /// <summary>
    /// Events of one Deployment after <paramref name="resourceVersion"/>:
    /// GET /apis/apps/v1/namespaces/{ns}/deployments?fieldSelector=metadata.name={name}&amp;watch=true. Ends when the
    /// server closes the stream (at the latest after <paramref name="timeoutSeconds"/>).
    /// </summary>
    public async IAsyncEnumerable<V1Deployment> WatchDeploymentAsync(string name, string resourceVersion, int timeoutSeconds,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var what = $"deployment/{name}";
        Exception? failure = null;
        var events = _client.AppsV1.WatchListNamespacedDeploymentAsync(Namespace, fieldSelector: $"metadata.name={name}",
            resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: e => failure = e, cancellationToken: ct).GetAsyncEnumerator(ct);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await events.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && ex is not DeployOpsException)
                {
                    throw Translate(ex, what);
                }
                if (!more) break;
                var (type, item) = events.Current;
                // ERROR events (410 Gone: the version is too old) end this watch; the caller reads afresh and watches again.
                if (type == WatchEventType.Error) break;
                if (type is WatchEventType.Added or WatchEventType.Modified && item?.Metadata?.Name == name) yield return item;
            }
        }
        finally
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }
        if (failure is not null && !ct.IsCancellationRequested) _log($"watch of {what} ended: {failure.Message}");
    }

    private async Task<T> UpdateAsync<T>(string what, Func<Task<T>> read, Func<T, bool> change, Func<T, Task<T>> replace,
        CancellationToken ct) where T : IKubernetesObject<V1ObjectMeta>
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await read().ConfigureAwait(false);
            if (!change(current)) return current;
            try
            {
                return await CallAsync(what, () => replace(current), ct).ConfigureAwait(false);
            }
            catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.KubernetesConflict && attempt < ConflictRetries)
            {
                _log($"{what}: 409 conflict on resourceVersion {current.Metadata.ResourceVersion}; reading it again (attempt {attempt + 1})");
            }
        }
    }

    private async Task<T> CallAsync<T>(string what, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is not DeployOpsException)
        {
            throw Translate(ex, what);
        }
    }

    private DeployOpsException Translate(Exception ex, string what)
    {
        var target = $"{Cluster.Name}/{Namespace}/{what}";
        return ex switch
        {
            HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } => new DeployOpsException(ErrorIds.KubernetesObjectNotFound,
                ErrorKind.ObjectNotFound, $"{what} does not exist in namespace {Namespace} of {Cluster.Name} ({Cluster.Server})", target, ex),
            HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict } => new DeployOpsException(ErrorIds.KubernetesConflict,
                ErrorKind.ResourceBusy, $"{what} in {Cluster.Name}/{Namespace} kept changing under us (409 Conflict {ConflictRetries} times): {Reason(ex)}", target, ex),
            HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } http => new DeployOpsException(
                ErrorIds.KubernetesAccessDenied, ErrorKind.PermissionDenied,
                $"{Cluster.Name} ({Cluster.Server}) refused access to {what} in namespace {Namespace}: {(int)http.Response.StatusCode} {Reason(ex)}", target, ex),
            HttpOperationException http => new DeployOpsException(ErrorIds.UnexpectedError, ErrorKind.InvalidResult,
                $"{Cluster.Name} answered {(int)http.Response.StatusCode} for {what}: {Reason(ex)}", target, ex),
            HttpRequestException { InnerException: AuthenticationException } => new DeployOpsException(ErrorIds.KubernetesTlsRejected,
                ErrorKind.SecurityError, $"the certificate of {Cluster.Server} ({Cluster.Name}) is not trusted: {Inner(ex)}", target, ex),
            HttpRequestException or TaskCanceledException or IOException => new DeployOpsException(ErrorIds.KubernetesUnreachable,
                ErrorKind.ConnectionError, $"cannot reach the API server of {Cluster.Name} at {Cluster.Server}: {Inner(ex)}", target, ex),
            _ => new DeployOpsException(ErrorIds.UnexpectedError, ErrorKind.NotSpecified, $"{Cluster.Name}: {what}: {ex.GetType().Name}: {ex.Message}", target, ex),
        };
    }

    /// <summary>The API's Status message (JSON body) when there is one.</summary>
    private static string Reason(Exception ex)
    {
        var body = (ex as HttpOperationException)?.Response?.Content;
        if (string.IsNullOrWhiteSpace(body)) return ex.Message;
        try
        {
            return KubernetesJson.Deserialize<V1Status>(body).Message ?? body;
        }
        catch (System.Text.Json.JsonException)
        {
            return body.Length > 300 ? body[..300] : body;
        }
    }

    private static string Inner(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException) messages.Add(e.Message);
        return string.Join(": ", messages.Distinct());
    }

    public void Dispose() => _client.Dispose();
}
