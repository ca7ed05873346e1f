using DeployOps.Engine.Configuration;
using DeployOps.Engine.Strategies.Docker;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.DockerDeploy;

/// <summary>deployment.docker is read with every key, puts the container step first in start, and rejects mistakes with their place.</summary>
public sealed class DockerDeploymentSettingsTests
{
    private static readonly Func<string, string?> Env = n => n == "SHOP_DB_CONNECTION" ? "Host=db;Password=example-secret" : null;

    [Fact]
    public void The_container_example_validates_and_reads_every_key()
    {
        var path = Path.Combine(RepositoryRoot(), "examples", "deploy-containers.yaml");
        var errors = ConfigLoader.Validate(path, Env);
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        var docker = ConfigLoader.Load(path, Env).Deployment;
        var settings = docker.Docker!;
        Assert.Equal("registry.local:5000/shop:{version}", settings.Image);
        Assert.Equal(ImagePullPolicy.Missing, settings.Pull);
        Assert.Equal("Host=db;Password=example-secret", settings.Environment["ConnectionStrings__Shop"]);
        Assert.Equal(TimeSpan.FromSeconds(90), settings.HealthTimeout);
        Assert.Equal(512_000_000, settings.MemoryBytes);
        Assert.Equal(1.5, settings.Cpus);
        Assert.True(settings.ImageBackup);
        var start = docker.StepsFor("start");
        Assert.Equal(StepKind.Docker, start[0].Kind);
        Assert.Equal(DockerDeployments.ContainerStepName, start[0].Name);
    }

    [Fact]
    public void Mistakes_are_reported_with_their_key()
    {
        using var config = new TempConfig("""
            application: shop
            environment: test
            deployment:
              slots:
                blue: { port: 8081 }
                green: { port: 8082 }
              docker:
                host: tcp://10.1.2.3:2375
                restart: sometimes
                pull: sometimes
                labels: { deployops.version: x }
                healthcheck: { interval: 1s }
                surprise: 1
            """);
        var errors = string.Join("\n", ConfigLoader.Validate(config.Path));
        foreach (var expected in new[]
        {
            "deployment.docker.image", "is required", "deployment.docker.host", "deployment.docker.restart", "deployment.docker.pull",
            "deployops.* labels are set by DeployOps", "healthcheck needs a command", "surprise",
        })
            Assert.True(errors.Contains(expected, StringComparison.Ordinal), $"'{expected}' not in:\n{errors}");
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(source)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DeployOps.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("DeployOps.sln not found above " + source);
    }
}
