using DeployOps.Engine.Configuration;
using DeployOps.Engine.Strategies;
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
        var path = RepositoryPaths.Examples("deploy-containers.yaml");
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
        // The migrate step runs the image by the id this deployment runs, not by a tag that may have moved.
        Assert.Contains("{imageId} migrate", docker.StepsFor("migrate").Single().Command);
    }

    [Fact]
    public void A_remote_tcp_host_needs_tls_or_the_explicit_insecure_opt_in_and_startPeriod_0s_is_accepted()
    {
        string Yaml(string docker) => $$"""
            application: shop
            environment: test
            deployment:
              slots:
                blue: { port: 8081 }
                green: { port: 8082 }
              docker:
                image: "shop:{version}"
                healthcheck: { command: "true", startPeriod: 0s }
            {{docker}}
            """;
        using (var plain = new TempConfig(Yaml("    host: tcp://10.1.2.3:2375")))
        {
            var errors = string.Join("\n", ConfigLoader.Validate(plain.Path));
            Assert.Contains("deployment.docker.host", errors);
            Assert.Contains("insecurePlainTcp: true", errors);
            Assert.DoesNotContain("startPeriod", errors);
        }
        using (var optIn = new TempConfig(Yaml("    host: tcp://10.1.2.3:2375\n    insecurePlainTcp: true")))
        {
            Assert.Empty(ConfigLoader.Validate(optIn.Path));
            var settings = ConfigLoader.Load(optIn.Path).Deployment.Docker!;
            Assert.True(settings.InsecurePlainTcp);
            Assert.Equal(TimeSpan.Zero, settings.HealthStartPeriod);
            using var client = settings.CreateClient();
            Assert.Equal("tcp://10.1.2.3:2375", client.Endpoint.Display);
            Assert.True(client.Endpoint.Configured);
        }
        var ca = Path.Combine(Path.GetTempPath(), $"dops-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(ca, "placeholder: only existence is checked when the file is loaded");
        try
        {
            using var tls = new TempConfig(Yaml($"    host: tcp://docker.internal:2376\n    tls: {{ ca: {ca}, cert: relative.pem, key: /nonexistent/key.pem }}"));
            var errors = string.Join("\n", ConfigLoader.Validate(tls.Path));
            Assert.Contains("deployment.docker.tls.cert", errors);
            Assert.Contains("must be an absolute path", errors);
            using var good = new TempConfig(Yaml($"    host: tcp://docker.internal:2376\n    tls: {{ ca: {ca} }}"));
            Assert.Empty(ConfigLoader.Validate(good.Path));
            var endpoint = ConfigLoader.Load(good.Path).Deployment.Docker!.CreateClient().Endpoint;
            Assert.Equal(ca, endpoint.Tls!.CaFile);
            Assert.True(endpoint.Tls.Verify);
        }
        finally
        {
            File.Delete(ca);
        }
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

    [Fact]
    public async Task WhatIf_shows_the_container_step_and_the_tag_phase_without_touching_docker_or_nginx()
    {
        using var temp = new TempConfig("placeholder: true");
        var upstream = Path.Combine(temp.Directory, "shop-upstream.conf");
        File.WriteAllText(temp.Path, $$"""
            application: shop
            environment: test
            deployment:
              slots:
                blue: { host: 127.0.0.1, port: 18081 }
                green: { host: 127.0.0.1, port: 18082 }
              traffic:
                upstreamFile: {{upstream}}
                upstreamName: shop
                probeUrl: http://127.0.0.1:18080/version
              docker:
                host: unix:///tmp/no-such-docker-{{Guid.NewGuid():N}}.sock
                image: "shop:{version}"
            """);
        var sink = RecordingSink.WhatIf();

        var record = await DeploymentEngine.InvokeAsync(ConfigLoader.Load(temp.Path),
            new DeploymentOptions { Version = "2.0.0", Strategy = DeploymentStrategy.BlueGreen }, sink, CancellationToken.None);

        Assert.Null(record);
        var plan = sink.RecordsOf<DeploymentPlanItem>().ToList();
        var deploy = Assert.Single(plan, p => p.Phase.StartsWith("deploy:", StringComparison.Ordinal));
        Assert.Contains(deploy.Details, d => d == $"start: container -> run shop:2.0.0 as the {deploy.Target} container on 127.0.0.1:{(deploy.Target == "blue" ? 18081 : 18082)} (host network)");
        Assert.Equal(DockerDeployments.OperatorTagsPhaseName, plan[^1].Phase);
        Assert.False(File.Exists(upstream));
        Assert.Empty(sink.Errors);
    }
}
