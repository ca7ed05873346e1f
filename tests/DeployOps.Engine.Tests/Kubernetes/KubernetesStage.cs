using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;
using DeployOps.FakeKubernetes;

namespace DeployOps.Engine.Tests.Kubernetes;

/// <summary>A fake API server seeded with shop (blue live, 2 replicas) and shop-web (rolling, 3 replicas), and a configuration for it.</summary>
internal sealed class KubernetesStage : IAsyncDisposable
{
    public const string Namespace = "prod";
    private const string Token = "test-token-5f1e0c";

    private KubernetesStage(FakeKubernetesServer server, TempConfig temp)
    {
        Server = server;
        Temp = temp;
    }

    public FakeKubernetesServer Server { get; }
    public FakeCluster Cluster => Server.Cluster;
    public TempConfig Temp { get; }

    /// <summary><paramref name="deployment"/>: the lines under deployment: (strategy and kubernetes:).</summary>
    public static async Task<KubernetesStage> StartAsync(string deployment, string? token = null)
    {
        var server = await FakeKubernetesServer.StartAsync(Token);
        server.Cluster.StepDelay = TimeSpan.FromMilliseconds(10);
        server.Cluster.SeedBlueGreen(Namespace, "shop", "blue", 2, "registry.local/shop:1.0");
        server.Cluster.SeedRolling(Namespace, "shop-web", 3, "registry.local/shop:1.0");
        var temp = new TempConfig($"""
application: shop
environment: production
state:
  directory: ./state
targets:
  cluster:
    kind: kubernetes
    server: {server.Url}
    token: ${"{"}file:token{"}"}
    certificateAuthority: ca.crt
    namespace: {Namespace}
deployment:
{deployment}
""");
        File.WriteAllText(Path.Combine(temp.Directory, "token"), token ?? Token);
        File.WriteAllText(Path.Combine(temp.Directory, "ca.crt"), server.CaPem);
        return new KubernetesStage(server, temp);
    }

    public ConfigModel Load() => ConfigLoader.Load(Temp.Path);

    public string Selector() => (string)Cluster.Get("services", Namespace, "shop")!["spec"]!["selector"]!["version"]!;

    public string Image(string deployment) =>
        (string)Cluster.Get("deployments", Namespace, deployment)!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!;

    public int Replicas(string deployment) => (int)Cluster.Get("deployments", Namespace, deployment)!["spec"]!["replicas"]!;

    public string Revision(string deployment) =>
        (string)Cluster.Get("deployments", Namespace, deployment)!["metadata"]!["annotations"]![FakeObjects.RevisionAnnotation]!;

    public List<string> Requests(string method)
    {
        lock (Cluster.Requests) return Cluster.Requests.Where(r => r.StartsWith(method + " ", StringComparison.Ordinal)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Temp.Dispose();
    }
}
