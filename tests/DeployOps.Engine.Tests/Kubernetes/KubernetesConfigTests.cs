using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Kubernetes;

/// <summary>Targets of kind kubernetes and deployment.kubernetes: what loads, and errors with file, line and key for what does not.</summary>
public sealed class KubernetesConfigTests
{
    private const string Kubeconfig = """
apiVersion: v1
kind: Config
current-context: prod
clusters:
  - name: prod
    cluster: { server: "https://10.0.0.1:6443", certificate-authority: ca.crt }
  - name: lax
    cluster: { server: "https://10.0.0.2:6443", insecure-skip-tls-verify: true }
users:
  - name: deployer
    user: { token: abc }
contexts:
  - name: prod
    context: { cluster: prod, user: deployer, namespace: shop }
  - name: lax
    context: { cluster: lax, user: deployer }
""";

    private static TempConfig Config(string targets, string deployment)
    {
        var temp = new TempConfig($"""
application: shop
environment: production
targets:
{targets}
deployment:
{deployment}
""");
        File.WriteAllText(Path.Combine(temp.Directory, "kubeconfig"), Kubeconfig);
        using var ca = new Fixtures.TestCertificates();
        Fixtures.TestCertificates.WritePem(Path.Combine(temp.Directory, "ca.crt"), ca.Ca);
        File.WriteAllText(Path.Combine(temp.Directory, "token"), "t0ken-7c2a91f5");
        return temp;
    }

    private const string Rolling = """
  strategy: rolling
  kubernetes:
    target: cluster
    image: registry.local/shop:{version}
""";

    [Fact]
    public void A_kubeconfig_context_and_a_server_with_a_token_reference_both_load()
    {
        using var temp = Config("""
  cluster:
    kind: kubernetes
    kubeconfig: kubeconfig
    context: prod
  direct:
    kind: kubernetes
    server: https://127.0.0.1:6443
    token: ${file:token}
    certificateAuthority: ca.crt
    namespace: web
""", Rolling);
        var config = ConfigLoader.Load(temp.Path);
        var k8s = config.Deployment.Kubernetes!;
        Assert.Equal("cluster", k8s.Cluster.Name);
        Assert.Equal("https://10.0.0.1:6443", k8s.Cluster.Server);
        Assert.Equal("shop", k8s.Cluster.Namespace);          // the context's namespace
        Assert.Equal("shop", k8s.DeploymentName("shop", null));
        Assert.Equal(TimeSpan.FromMinutes(5), k8s.RolloutTimeout);
        Assert.Empty(config.Targets);                         // no ssh targets among them
        Assert.DoesNotContain("t0ken-7c2a91f5", config.Redactor.Redact("Authorization: Bearer t0ken-7c2a91f5"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_with_its_line_and_key()
    {
        using var temp = Config("""
  cluster:
    kind: kubernetes
    server: http://10.0.0.1:6443
    token: literal-token
  other:
    kind: kubernetes
    kubeconfig: kubeconfig
    context: nowhere
  lax:
    kind: kubernetes
    kubeconfig: kubeconfig
    context: lax
""", """
  strategy: canary
  slots:
    blue: { port: 5001 }
    green: { port: 5002 }
  kubernetes:
    target: missing
    image: registry.local/shop:{version}
    deployment: Shop_Blue
""");
        var problems = Assert.Throws<ConfigValidationException>(() => ConfigLoader.Load(temp.Path)).Errors;
        void Has(string path, int line, string text) => Assert.Contains(problems, e => e.Path == path && e.Line == line && e.Message.Contains(text, StringComparison.Ordinal));
        Has("targets.cluster.token", 7, "write the token as a reference");
        Has("targets.cluster.server", 6, "must be an https:// URL");
        Has("targets.other.context", 11, "nowhere");
        Has("targets.lax", 13, "insecure-skip-tls-verify");
        Has("deployment.kubernetes.target", 22, "'missing' is not a target of kind kubernetes (those are: ");
        Has("deployment.kubernetes", 22, "Canary is not supported on Kubernetes");
        Has("deployment.kubernetes.deployment", 24, "is not a Kubernetes name");
        Has("deployment.slots", 19, "slots and kubernetes exclude each other");
    }

    [Fact]
    public void Blue_green_needs_a_service_and_a_deployment_per_colour()
    {
        using var temp = Config("""
  cluster:
    kind: kubernetes
    kubeconfig: kubeconfig
""", """
  strategy: blueGreen
  kubernetes:
    target: cluster
    deployment: "{app}"
    image: registry.local/shop:{version}
""");
        var problems = Assert.Throws<ConfigValidationException>(() => ConfigLoader.Load(temp.Path)).Errors;
        Assert.Contains(problems, e => e.Path == "deployment.kubernetes.deployment" && e.Message.Contains("must hold {slot}", StringComparison.Ordinal));
        Assert.Contains(problems, e => e.Path == "deployment.kubernetes" && e.Message.Contains("needs service:", StringComparison.Ordinal));
    }
}
