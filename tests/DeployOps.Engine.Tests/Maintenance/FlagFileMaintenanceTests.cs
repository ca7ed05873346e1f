using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Maintenance.Mechanisms;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

public sealed class FlagFileMaintenanceTests
{
    [Fact]
    public async Task Enter_writes_the_flag_as_json_and_exit_removes_it_both_audited()
    {
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile);
        var sink = new RecordingSink();

        var on = await MaintenanceMode.EnterAsync(cfg.Config,
            new EnterMaintenanceOptions { Reason = "schema migration", ExpectedDuration = TimeSpan.FromMinutes(30) }, sink, default);

        Assert.Equal(MaintenanceStatus.On, on.Status);
        Assert.True(on.IsOn);
        Assert.Equal("schema migration", on.Reason);
        Assert.Null(on.Drain); // no drain source configured
        using (var json = JsonDocument.Parse(File.ReadAllText(cfg.FlagPath)))
        {
            var root = json.RootElement;
            Assert.Equal("schema migration", root.GetProperty("reason").GetString());
            Assert.Equal(OperatorIdentity.Current.User, root.GetProperty("by").GetString());
            Assert.Equal(Environment.MachineName, root.GetProperty("host").GetString());
            var since = root.GetProperty("since").GetDateTimeOffset();
            Assert.Equal(since.AddMinutes(30), root.GetProperty("expectedEnd").GetDateTimeOffset());
        }
        Assert.Empty(sink.Errors);

        var off = await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), sink, default);
        Assert.Equal(MaintenanceStatus.Off, off.Status);
        Assert.False(File.Exists(cfg.FlagPath));

        var audit = cfg.Audit();
        Assert.Contains(audit, a => a.Command == "Enter-MaintenanceMode" && a.Action == "enter maintenance" && a.Outcome == "Succeeded"
            && a.Target.Contains(cfg.FlagPath) && a.Details["reason"] == "schema migration");
        Assert.Contains(audit, a => a.Command == "Exit-MaintenanceMode" && a.Action == "exit maintenance" && a.Outcome == "Succeeded");
    }

    [Fact]
    public async Task Entering_twice_is_idempotent_and_changes_the_reason_only_when_given()
    {
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile);
        var first = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Reason = "first" }, new RecordingSink(), default);
        var before = File.ReadAllText(cfg.FlagPath);

        var again = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), new RecordingSink(), default);
        Assert.Equal(before, File.ReadAllText(cfg.FlagPath));
        Assert.Equal("first", again.Reason);
        Assert.Equal(first.Since, again.Since);
        Assert.Contains(cfg.Audit(), a => a.Outcome == "AlreadyOn");

        var updated = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Reason = "second" }, new RecordingSink(), default);
        Assert.Equal("second", updated.Reason);
        Assert.Equal(first.Since, updated.Since); // the window is the same one

        await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default);
        var offAgain = await MaintenanceMode.ExitAsync(cfg.Config, new ExitMaintenanceOptions(), new RecordingSink(), default);
        Assert.Equal(MaintenanceStatus.Off, offAgain.Status);
        Assert.Contains(cfg.Audit(), a => a.Outcome == "AlreadyOff");
    }

    [Fact]
    public async Task WhatIf_changes_nothing_and_audits_the_skip()
    {
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile);
        var sink = RecordingSink.WhatIf();
        var state = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Reason = "x" }, sink, default);

        Assert.Equal(MaintenanceStatus.Off, state.Status);
        Assert.False(File.Exists(cfg.FlagPath));
        var asked = Assert.Single(sink.ShouldProcessCalls);
        Assert.Equal(cfg.FlagPath, asked.Target);
        Assert.Contains("FlagFile", asked.Action);
        Assert.Contains(cfg.Audit(), a => a.Action == "enter maintenance" && a.Outcome == "Skipped");
    }

    [Fact]
    public async Task A_reader_hammering_the_flag_file_never_sees_a_partial_file()
    {
        var dir = Path.Combine(Path.GetTempPath(), "deployops-flag-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "MAINTENANCE_MODE");
        try
        {
            var mechanism = new FlagFileMechanism(FlagSettings(path));
            var stop = false;
            var reads = 0;
            var bad = new List<string>();
            var reader = new Thread(() =>
            {
                while (!Volatile.Read(ref stop))
                {
                    string text;
                    try { text = File.ReadAllText(path); }
                    catch (FileNotFoundException) { continue; }
                    reads++;
                    if (MaintenanceInfo.TryParse(text) is null) lock (bad) bad.Add(text);
                }
            });
            reader.Start();
            // Large reasons make each write take several syscalls, so a non-atomic writer would be caught mid-write.
            for (var i = 0; i < 400; i++)
            {
                var info = new MaintenanceInfo(DateTimeOffset.UtcNow, new string('x', 20_000 + i * 37), "op", "host", $"d{i}", null, "shop", "test");
                await mechanism.EnterAsync(info, default);
            }
            Volatile.Write(ref stop, true);
            reader.Join();
            Assert.True(reads > 50, $"the reader only managed {reads} reads");
            Assert.Empty(bad);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories)); // no temp files left behind
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task No_mechanism_configured_is_MaintenanceNotConfigured()
    {
        using var cfg = new MaintenanceConfig("");
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => MaintenanceMode.GetStateAsync(cfg.Config, new RecordingSink(), default));
        Assert.Equal(ErrorIds.MaintenanceNotConfigured, ex.ErrorId);
        Assert.Contains(cfg.Config.FilePath, ex.Message);
    }

    [Fact]
    public async Task Explicit_drain_without_a_drain_source_fails_before_changing_anything()
    {
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile);
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() =>
            MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Drain = true }, new RecordingSink(), default));
        Assert.Equal(ErrorIds.MaintenanceNotConfigured, ex.ErrorId);
        Assert.False(File.Exists(cfg.FlagPath));
    }

    private static FlagFileSettings FlagSettings(string path)
    {
        using var cfg = new MaintenanceConfig($"maintenance:\n  flagFile:\n    path: {path}\n");
        return cfg.Config.Maintenance.FlagFile!;
    }
}
