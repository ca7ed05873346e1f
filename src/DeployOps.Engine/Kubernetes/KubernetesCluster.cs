using k8s;

namespace DeployOps.Engine.Kubernetes;

/// <summary>
/// A <c>targets:</c> entry of <c>kind: kubernetes</c>: one cluster's API server, credentials and namespace. The client
/// configuration is built (and the kubeconfig parsed) when the file is loaded, so a bad context is a load error.
/// </summary>
internal sealed class KubernetesCluster
{
    internal KubernetesCluster(string name, string server, string @namespace, string? kubeconfig, string? context,
        KubernetesClientConfiguration configuration)
    {
        Name = name;
        Server = server;
        Namespace = @namespace;
        Kubeconfig = kubeconfig;
        Context = context;
        Configuration = configuration;
    }

    public string Name { get; }
    /// <summary>The API server's https URL.</summary>
    public string Server { get; }
    public string Namespace { get; }
    /// <summary>The kubeconfig file the cluster was read from (null: server + token + CA in deployops.yaml).</summary>
    public string? Kubeconfig { get; }
    public string? Context { get; }
    internal KubernetesClientConfiguration Configuration { get; }

    /// <summary>A client for one operation; dispose it when done (it owns an HttpClient).</summary>
    internal IKubernetes CreateClient() => new k8s.Kubernetes(Configuration);

    public override string ToString() => $"{Name} ({Server}, namespace {Namespace})";
}
