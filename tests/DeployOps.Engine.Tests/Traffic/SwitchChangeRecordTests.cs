using System.Text.Json;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// Switch-DeploymentTraffic -Reason / -ChangeTicket against a real nginx and two demo-app slots: required where
/// changeControl says so (refused before anything is read or changed, also under -WhatIf), and then kept on the
/// TrafficChange, in the audit line and in the trafficSwitched notification a real webhook receiver gets.
/// </summary>
public sealed class SwitchChangeRecordTests : IClassFixture<NginxRouterTests.Slots>, IDisposable
{
    private readonly NginxRouterTests.Slots _slots;
    private readonly NotificationReceiver _receiver = new();

    public SwitchChangeRecordTests(NginxRouterTests.Slots slots) => _slots = slots;

    public void Dispose() => _receiver.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task A_switch_under_change_control_needs_a_ticket_and_reason_and_records_them()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        using var temp = new TempConfig($$"""
            application: shop
            environment: test
            changeControl:
              requireChangeTicket: true
              requireReason: true
            deployment:
              slots:
                blue: { host: 127.0.0.1, port: {{_slots.Blue.Port}} }
                green: { host: 127.0.0.1, port: {{_slots.Green.Port}} }
            {{stage.Yaml("  ")}}
            notifications:
              timeout: 5s
              retries: 0
              targets:
                - { name: hook, type: webhook, url: "{{_receiver.Url("/hook")}}" }
            """);
        var config = ConfigLoader.Load(temp.Path);
        var before = File.ReadAllText(stage.UpstreamFile);

        foreach (var sink in new[] { new RecordingSink(), RecordingSink.WhatIf() })
        {
            var refused = await Assert.ThrowsAsync<DeployOpsException>(() => TrafficSwitcher.SwitchAsync(config,
                new SwitchTrafficOptions { To = "green", Reason = "switch back" }, sink, CancellationToken.None));
            Assert.Equal(ErrorIds.ChangeRecordRequired, refused.ErrorId);
            Assert.Contains("Switch-DeploymentTraffic for shop/test needs -ChangeTicket (changeControl.requireChangeTicket)", refused.Message);
            Assert.Empty(sink.ShouldProcessCalls);
        }
        Assert.Equal(before, File.ReadAllText(stage.UpstreamFile));
        Assert.Empty(AuditLog.For(config).ReadAll());

        var recording = new RecordingSink();
        var change = await TrafficSwitcher.SwitchAsync(config,
            new SwitchTrafficOptions { To = "green", Reason = "error spike on blue", ChangeTicket = "INC-77" }, recording, CancellationToken.None);

        Assert.Equal("error spike on blue", change!.Reason);
        Assert.Equal("INC-77", change.ChangeTicket);
        Assert.Equal(10, (await stage.CountVersionsAsync(10)).GetValueOrDefault("2.0.0"));
        var line = Assert.Single(AuditLog.For(config).ReadAll(), a => a.Command == "Switch-DeploymentTraffic" && a.Outcome == "Succeeded");
        Assert.Equal("error spike on blue", line.Details["reason"]);
        Assert.Equal("INC-77", line.Details["changeTicket"]);
        var notified = _receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Single(e => e.GetProperty("event").GetString() == "trafficSwitched");
        Assert.Equal("INC-77", notified.GetProperty("fields").GetProperty("ticket").GetString());
        Assert.Equal("error spike on blue", notified.GetProperty("fields").GetProperty("reason").GetString());
        Assert.Contains("blue → green", notified.GetProperty("text").GetString());

        // The switch is a history entry of its own, found by its ticket (case-insensitive) and named in the audit line.
        var history = await DeploymentStateCommands.GetHistoryAsync(config, new HistoryQuery { ChangeTicket = "inc-77" },
            new RecordingSink(), CancellationToken.None);
        var entry = Assert.Single(history);
        Assert.Equal((DeploymentKind.TrafficSwitch, "blue", "green"), (entry.Kind, entry.FromSlot, entry.ToSlot));
        Assert.Equal((DeploymentOutcome.Succeeded, "error spike on blue"), (entry.Outcome, entry.Reason));
        Assert.Equal(entry.Id, line.DeploymentId);
    }
}
