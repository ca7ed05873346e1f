using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.DockerDeploy;

/// <summary>{imageId}: the migrate step runs the image by the id the container step runs, also after the tag moved.</summary>
[Collection(DockerCollection.Name)]
public sealed class StepImageIdTests
{
    private readonly DockerDaemonFixture _daemon;

    public StepImageIdTests(DockerDaemonFixture daemon) => _daemon = daemon;

    [Fact]
    public async Task The_migrate_step_gets_the_recorded_image_id_of_the_version_even_after_its_tag_moved()
    {
        using var stage = new ContainerStage(_daemon);
        var seen = Path.Combine(stage.Directory, "migrated-with");
        // Appended at the deployment level (the docker block above is indented deeper).
        File.AppendAllText(stage.ConfigPath, $"\n  steps:\n    migrate:\n      - name: migrate\n        command: echo {{imageId}} >> {seen}\n");
        var sink = new RecordingSink();
        var first = await stage.DeployAsync("1", DeploymentStrategy.BlueGreen, sink);
        Assert.True(first!.Outcome == DeploymentOutcome.Succeeded, first.Error);
        var image1 = stage.ImageId($"{stage.Repository}:1");
        Assert.Equal(image1, first.Fields[DeploymentField.ImageId]);
        Assert.Equal(new[] { image1 }, File.ReadAllLines(seen));

        Assert.True((await stage.DeployAsync("2", DeploymentStrategy.BlueGreen, sink))!.Outcome == DeploymentOutcome.Succeeded);
        // Someone re-tags version 1 to another image: redeploying 1 must migrate with the image it ran before.
        await stage.Client.TagImageAsync(DockerDaemonFixture.TestImage("2"), stage.Repository, "1", CancellationToken.None);
        Assert.NotEqual(image1, stage.ImageId($"{stage.Repository}:1"));
        var again = await stage.DeployAsync("1", DeploymentStrategy.BlueGreen, sink);
        Assert.True(again!.Outcome == DeploymentOutcome.Succeeded, again.Error);
        Assert.Equal(image1, File.ReadAllLines(seen)[^1]);
        Assert.Equal(image1, again.Fields[DeploymentField.ImageId]);
    }

    [Fact]
    public void ImageId_renders_like_every_placeholder_and_is_left_alone_until_known()
    {
        var context = new StepContext("1.0", null, "blue", null, "127.0.0.1", 8080);
        Assert.Equal("run {imageId}", StepTemplate.Render("run {imageId}", context));
        var known = context.WithImageId("sha256:abc");
        Assert.Equal("run sha256:abc", StepTemplate.Render("run {imageId}", known));
        Assert.Equal("docker run \"${DEPLOYOPS_TEMPLATE_IMAGEID}\"", StepTemplate.Render("docker run {imageId}", known, TemplateSyntax.PosixShell));
        Assert.Equal("sha256:abc", known.TemplateVariables()["DEPLOYOPS_TEMPLATE_IMAGEID"]);
        Assert.Equal("sha256:abc", known.WithApp("shop").ImageId);
    }

    [Fact]
    public async Task A_step_using_imageId_without_deployment_docker_stops_with_InvalidTemplateValue()
    {
        using var cfg = new TempConfig("application: shop\nenvironment: prod\ndeployment:\n" +
            "  instances:\n    - { name: web1, host: 127.0.0.1, port: 9 }\n  steps:\n    migrate:\n" +
            "      - name: migrate\n        command: echo {imageId}\n");
        var record = await DeploymentEngine.InvokeAsync(DeployOps.Engine.Configuration.ConfigLoader.Load(cfg.Path),
            new DeploymentOptions { Version = "1.0.0", Strategy = DeploymentStrategy.Hotfix }, new RecordingSink(), CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        Assert.Contains("{imageId}", record.Error);
        Assert.Contains("deployment.docker", record.Error);
    }
}
