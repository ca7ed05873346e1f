using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Configuration;

/// <summary>freeze: windows judged on a fake clock, in their own time zone.</summary>
public sealed class FreezeTests
{
    private const string Yaml = """
application: shop
environment: production
state:
  directory: ./state
deployment:
  strategy: hotfix
  instances:
    - { name: web1, host: 127.0.0.1, port: 1 }
freeze:
  approvers: [carol]
  windows:
    - name: year-end
      from: 2025-12-31
      to: 2026-01-02 08:00
      timeZone: Europe/Berlin
    - name: weekend
      weekly: { from: "Fri 16:00", to: "Mon 08:00" }
      timeZone: Europe/Berlin
""";

    private static ConfigModel Load(TempConfig temp) => ConfigLoader.Load(temp.Path);

    [Theory]
    [InlineData("2026-01-09T14:59:00Z", null)]          // Friday 15:59 in Berlin (UTC+1)
    [InlineData("2026-01-09T15:00:00Z", "weekend")]     // Friday 16:00
    [InlineData("2026-01-11T12:00:00Z", "weekend")]     // Sunday
    [InlineData("2026-01-12T06:59:00Z", "weekend")]     // Monday 07:59
    [InlineData("2026-01-12T07:00:00Z", null)]          // Monday 08:00: open again
    [InlineData("2026-07-10T14:00:00Z", "weekend")]     // Friday 16:00 in summer (UTC+2)
    [InlineData("2025-12-30T23:00:00Z", "year-end")]    // 2025-12-31 00:00 Berlin
    [InlineData("2026-01-02T06:59:00Z", "year-end")]    // Friday 07:59 Berlin, before the range ends
    [InlineData("2026-01-02T07:00:00Z", null)]          // the range ended; the weekend starts at 16:00
    public void A_window_holds_in_its_own_time_zone(string utc, string? expected)
    {
        using var temp = new TempConfig(Yaml);
        Assert.Equal(expected, Load(temp).Freeze.ActiveAt(DateTimeOffset.Parse(utc))?.Name);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_deployment_in_a_window_is_refused_naming_it_and_an_override_needs_a_reason_and_an_approver()
    {
        using var temp = new TempConfig(Yaml);
        var config = Load(temp);
        var clock = new ManualClock(); // 2026-01-01 00:00 UTC: inside year-end
        async Task<DeployOpsException> Refused(DeploymentOptions options) =>
            await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentEngine.InvokeAsync(config, options, RecordingSink.WhatIf(), CancellationToken.None));

        var frozen = await Refused(new DeploymentOptions { Version = "1.0.1", Clock = clock });
        Assert.Equal(ErrorIds.DeploymentFrozen, frozen.ErrorId);
        Assert.Equal("year-end", frozen.Target);
        Assert.Contains("change freeze 'year-end' (2025-12-31 00:00 – 2026-01-02 08:00 Europe/Berlin)", frozen.Message);

        var noReason = await Refused(new DeploymentOptions { Version = "1.0.1", Clock = clock, OverrideFreeze = true, ApprovedBy = "carol" });
        Assert.Contains("-OverrideFreeze needs -Reason", noReason.Message);
        var wrongApprover = await Refused(new DeploymentOptions { Version = "1.0.1", Clock = clock, OverrideFreeze = true, Reason = "payment outage", ApprovedBy = "mallory" });
        Assert.Contains("'mallory' is not one of them", wrongApprover.Message);
        Assert.Equal(ErrorKind.PermissionDenied, wrongApprover.Kind);

        var sink = RecordingSink.WhatIf();
        var plan = await DeploymentEngine.InvokeAsync(config, new DeploymentOptions
        {
            Version = "1.0.1", Clock = clock, OverrideFreeze = true, Reason = "payment outage", ApprovedBy = "Carol",
        }, sink, CancellationToken.None);
        Assert.Null(plan); // -WhatIf: the plan, no deployment
        Assert.NotEmpty(sink.ShouldProcessCalls);

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(7)); // Friday 2026-01-02 08:00 Berlin: open
        sink = RecordingSink.WhatIf();
        Assert.Null(await DeploymentEngine.InvokeAsync(config, new DeploymentOptions { Version = "1.0.1", Clock = clock }, sink, CancellationToken.None));
        Assert.NotEmpty(sink.ShouldProcessCalls);
    }

    [Fact]
    public void Bad_windows_are_located_errors()
    {
        using var temp = new TempConfig("""
application: a
environment: b
freeze:
  windows:
    - name: x
      from: 2026-12-20
      to: 2026-12-01
      timeZone: Mars/Olympus
    - name: y
      weekly: { from: "Friday 4pm", to: "Mon 08:00" }
    - name: z
""");
        var errors = ConfigLoader.Validate(temp.Path);
        Assert.Contains(errors, e => e.Path == "freeze.windows[0].to" && e.Message == "must be after from");
        Assert.Contains(errors, e => e.Path == "freeze.windows[0].timeZone" && e.Message.Contains("IANA"));
        Assert.Contains(errors, e => e.Path == "freeze.windows[1].weekly.from" && e.Message.Contains("'Fri 16:00'"));
        Assert.Contains(errors, e => e.Path.StartsWith("freeze.windows[2]", StringComparison.Ordinal));
    }
}
