using System.Collections.Concurrent;
using System.Text.Json;
using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

public sealed class RedisMaintenanceTests : IClassFixture<SharedRedis>
{
    private readonly RedisFixture _redis;

    public RedisMaintenanceTests(SharedRedis shared) => _redis = shared.Redis;

    private static string Yaml(RedisFixture redis, string key, string extra = "") =>
        $"redis:\n  endpoint: {redis.Endpoint}\n  connectTimeout: 5s\n" +
        "maintenance:\n" + MaintenanceConfig.FlagFile +
        $"  redis:\n    key: {key}\n" + extra;

    [Fact]
    public async Task Key_is_set_and_subscribers_hear_on_and_off()
    {
        var key = "maint:" + Guid.NewGuid().ToString("N")[..8];
        using var cfg = new MaintenanceConfig(Yaml(_redis, key, "    channel: maint-events\n"));
        await using var client = await RedisClient.ConnectAsync(new RedisSettings(_redis.Endpoint, null, 0, TimeSpan.FromSeconds(2)), default);
        var messages = new BlockingCollection<string>();
        await using (await client.SubscribeAsync("maint-events", messages.Add, default))
        {
            var sink = new RecordingSink();
            var state = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Reason = "deploy 2.3" }, sink, default);
            Assert.True(state.Status == MaintenanceStatus.On, $"{state}; {sink.AllText()}");
            Assert.Equal(MechanismStatus.On, state["Redis"]!.Status);

            using (var value = JsonDocument.Parse((await client.GetAsync(key, default))!))
                Assert.Equal("deploy 2.3", value.RootElement.GetProperty("reason").GetString());
            Assert.Null(await client.TimeToLiveAsync(key, default)); // no TTL unless configured
            using (var on = JsonDocument.Parse(Take(messages)))
            {
                Assert.Equal("on", on.RootElement.GetProperty("state").GetString());
                Assert.Equal(key, on.RootElement.GetProperty("key").GetString());
                Assert.Equal("deploy 2.3", on.RootElement.GetProperty("reason").GetString());
            }

            await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default);
            Assert.Null(await client.GetAsync(key, default));
            using (var off = JsonDocument.Parse(Take(messages)))
                Assert.Equal("off", off.RootElement.GetProperty("state").GetString());
        }
        Assert.Contains(cfg.Audit(), a => a.Target.StartsWith("Redis redis key " + key) && a.Action == "enter maintenance" && a.Outcome == "Succeeded");
        Assert.Contains(cfg.Audit(), a => a.Target.StartsWith("Redis redis key " + key) && a.Action == "exit maintenance" && a.Outcome == "Succeeded");
    }

    [Fact]
    public async Task Flag_present_but_Redis_key_missing_is_Inconsistent_naming_which()
    {
        var key = "maint:" + Guid.NewGuid().ToString("N")[..8];
        using var cfg = new MaintenanceConfig(Yaml(_redis, key));
        await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), new RecordingSink(), default);
        await using (var client = await RedisClient.ConnectAsync(new RedisSettings(_redis.Endpoint, null, 0, TimeSpan.FromSeconds(2)), default))
            await client.DeleteAsync(key, default); // someone removed the shared flag by hand

        var state = await MaintenanceMode.GetStateAsync(cfg.Config, new RecordingSink(), default);

        Assert.Equal(MaintenanceStatus.Inconsistent, state.Status);
        Assert.True(state.IsOn);
        Assert.Equal(MechanismStatus.On, state["FlagFile"]!.Status);
        Assert.Equal(MechanismStatus.Off, state["Redis"]!.Status);
        Assert.Contains("FlagFile is on but Redis is off", state.Disagreement);
        Assert.Contains($"key {key} missing", state.Disagreement);

        // Entering again repairs it with the same window; exiting clears both.
        var repaired = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), new RecordingSink(), default);
        Assert.Equal(MaintenanceStatus.On, repaired.Status);
        Assert.Equal(MaintenanceStatus.Off, (await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default)).Status);
    }

    [Fact]
    public async Task Ttl_is_a_dead_man_switch_that_an_open_scope_keeps_renewing()
    {
        var key = "maint:" + Guid.NewGuid().ToString("N")[..8];
        using var cfg = new MaintenanceConfig(Yaml(_redis, key, "    ttl: 1500ms\n"));
        await using var client = await RedisClient.ConnectAsync(new RedisSettings(_redis.Endpoint, null, 0, TimeSpan.FromSeconds(2)), default);

        // Held by a scope: renewed well past its TTL.
        var sink = new RecordingSink();
        await using (var scope = await MaintenanceMode.BeginScopeAsync(cfg.Config, "deploy", "dep-1", sink, default))
        {
            await Task.Delay(3500);
            Assert.NotNull(await client.GetAsync(key, default));
            scope.Complete();
        }
        Assert.Null(await client.GetAsync(key, default));

        // Entered by a session that then goes away: the key expires by itself.
        await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), new RecordingSink(), default);
        var ttl = await client.TimeToLiveAsync(key, default);
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value.TotalMilliseconds, 1, 1500);
        await WaitUntilAsync(async () => await client.GetAsync(key, default) is null);
        var state = await MaintenanceMode.GetStateAsync(cfg.Config, new RecordingSink(), default);
        Assert.Equal(MechanismStatus.Off, state["Redis"]!.Status);
        Assert.Equal(MaintenanceStatus.Inconsistent, state.Status); // the flag file has no TTL
    }

    [Fact]
    public async Task Exit_after_a_partial_enter_and_exit_keeps_going_when_a_mechanism_fails()
    {
        using var redis = new RedisFixture(); // private: this test stops it
        var key = "maint:partial";
        using var cfg = new MaintenanceConfig(Yaml(redis, key));
        redis.Stop();

        var sink = new RecordingSink();
        var partial = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Reason = "partial" }, sink, default);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.MaintenanceMechanismFailed, error.ErrorId);
        Assert.Contains("Redis", error.Message);
        Assert.Contains(redis.Endpoint, error.Message);
        Assert.True(File.Exists(cfg.FlagPath)); // the flag file still went on
        Assert.True(partial.IsOn);
        Assert.Equal(MechanismStatus.Unknown, partial["Redis"]!.Status);
        Assert.Contains(cfg.Audit(), a => a.Action == "enter maintenance" && a.Outcome == "Failed" && a.Target.StartsWith("Redis"));

        // Exit while Redis is still down: the flag is removed anyway and Redis is its own error.
        var exitSink = new RecordingSink();
        var stillDown = await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), exitSink, default);
        Assert.False(File.Exists(cfg.FlagPath));
        Assert.Contains(exitSink.Errors, e => e.ErrorId == ErrorIds.MaintenanceMechanismFailed && e.Message.Contains("Redis"));
        Assert.Equal(MechanismStatus.Off, stillDown["FlagFile"]!.Status);

        // Redis back: Exit finds nothing left on, and the state is Off.
        redis.Start();
        var off = await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default);
        Assert.Equal(MaintenanceStatus.Off, off.Status);
        Assert.Contains(cfg.Audit(), a => a.Action == "exit maintenance" && a.Outcome == "Failed" && a.Target.StartsWith("Redis"));
        Assert.Contains(cfg.Audit(), a => a.Action == "exit maintenance" && a.Outcome == "Succeeded" && a.Target.StartsWith("FlagFile"));
    }

    private static string Take(BlockingCollection<string> messages) =>
        messages.TryTake(out var m, TimeSpan.FromSeconds(5)) ? m : throw new TimeoutException("no message published");

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(100);
        }
    }
}
