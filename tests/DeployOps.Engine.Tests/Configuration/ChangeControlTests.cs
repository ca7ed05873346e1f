using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Configuration;

/// <summary>changeControl: a deployment must name what the environment requires, before anything is planned.</summary>
public sealed class ChangeControlTests
{
    private const string Yaml = """
application: shop
environment: production
state:
  directory: ./state
changeControl:
  requireChangeTicket: true
  requireReason: true
deployment:
  strategy: hotfix
  instances:
    - { name: web1, host: 127.0.0.1, port: 1 }
""";

    [Theory(Timeout = 60_000)]
    [InlineData(null, null, "-ChangeTicket (changeControl.requireChangeTicket) and -Reason (changeControl.requireReason)")]
    [InlineData("CHG-1", null, "needs -Reason (changeControl.requireReason)")]
    [InlineData(null, "hotfix", "needs -ChangeTicket (changeControl.requireChangeTicket)")]
    public async Task A_deployment_without_the_required_change_record_is_refused_before_planning(string? ticket, string? reason, string expected)
    {
        using var temp = new TempConfig(Yaml);
        var config = ConfigLoader.Load(temp.Path);
        var sink = RecordingSink.WhatIf();
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentEngine.InvokeAsync(config,
            new DeploymentOptions { Version = "1.0.0", ChangeTicket = ticket, Reason = reason }, sink, CancellationToken.None));
        Assert.Equal(ErrorIds.ChangeRecordRequired, error.ErrorId);
        Assert.Contains(expected, error.Message);
        Assert.Empty(sink.ShouldProcessCalls);
        Assert.False(Directory.Exists(Path.Combine(temp.Directory, "state")));
    }

    [Fact]
    public void The_section_is_validated_like_every_other()
    {
        using var temp = new TempConfig("application: a\nenvironment: b\nchangeControl:\n  requireTicket: true\n  requireReason: maybe\n");
        var errors = ConfigLoader.Validate(temp.Path);
        Assert.Contains(errors, e => e.Path == "changeControl.requireTicket");
        Assert.Contains(errors, e => e.Path == "changeControl.requireReason" && e.Message.Contains("true or false"));
    }
}
