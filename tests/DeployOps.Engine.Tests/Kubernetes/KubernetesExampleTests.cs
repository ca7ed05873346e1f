using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Kubernetes;

/// <summary>examples/kubernetes/deployops.yaml loads as documented.</summary>
public sealed class KubernetesExampleTests
{
    [Fact]
    public void The_kubernetes_example_configuration_loads()
    {
        var previous = Environment.GetEnvironmentVariable("K8S_TOKEN");
        Environment.SetEnvironmentVariable("K8S_TOKEN", "example-token-for-the-test");
        try
        {
            var config = ConfigLoader.Load(Path.Combine(RepositoryPaths.Root, "examples/kubernetes/deployops.yaml"));
            var k8s = config.Deployment.Kubernetes!;
            Assert.Equal("prod-cluster", k8s.Cluster.Name);
            Assert.Equal("production", k8s.Cluster.Namespace);
            Assert.Equal("shop-green", k8s.DeploymentName("shop", "green"));
            Assert.Equal(TimeSpan.FromMinutes(10), k8s.ScaleDownAfter);
        }
        finally
        {
            Environment.SetEnvironmentVariable("K8S_TOKEN", previous);
        }
    }
}
