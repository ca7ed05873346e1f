using DeployOps.Engine.Hosting;
using DeployOps.Engine.Notifications;

namespace DeployOps.Engine.Configuration;

/// <summary>What Test-DeploymentConfig was asked to do.</summary>
internal sealed class TestConfigOptions
{
    /// <summary>The configuration file or a folder holding deployops.yaml, as a file-system path (the cmdlet resolves
    /// PowerShell paths); null or empty: deployops.yaml in <see cref="CurrentDirectory"/>.</summary>
    public string? Path { get; init; }
    /// <summary>Where a relative <see cref="Path"/> starts: the caller's current location.</summary>
    public required string CurrentDirectory { get; init; }
    /// <summary>-Quiet: the risky-setting warnings are left out; only the answer counts. (Records and errors are the
    /// caller's sink's business: the cmdlet's quiet sink drops records and turns errors into warnings.)</summary>
    public bool Quiet { get; init; }
    /// <summary>-TestNotifications: send a marked test message to every notifications target of a valid configuration.</summary>
    public bool TestNotifications { get; init; }
    /// <summary>Where {env:…} placeholders are read (tests pass their own); null: the process environment.</summary>
    internal Func<string, string?>? Environment { get; init; }
}

/// <summary>The facade of Test-DeploymentConfig.</summary>
internal static class ConfigCommands
{
    /// <summary>
    /// Validates a configuration: a file that cannot be found or read is one error (ConfigNotFound …); otherwise one
    /// warning per risky setting, one ConfigInvalid error per problem (located by file, line, column and key path)
    /// and, when valid, the configuration as a record, then the notification test results. Returns true when the
    /// configuration is valid and, with <see cref="TestConfigOptions.TestNotifications"/>, every message was
    /// delivered (the answer of -Quiet).
    /// </summary>
    public static async Task<bool> TestAsync(TestConfigOptions options, IOutputSink sink, CancellationToken cancellationToken)
    {
        ConfigInspection inspection;
        try
        {
            var full = ConfigLoader.ResolvePath(options.Path, options.CurrentDirectory);
            inspection = ConfigLoader.Inspect(full, options.Environment, cancellationToken);
        }
        catch (DeployOpsException ex)
        {
            sink.WriteError(ex.ToError());
            return false;
        }

        if (!options.Quiet)
            foreach (var warning in inspection.Warnings) sink.WriteWarning(warning.ToString());
        foreach (var problem in inspection.Errors)
            sink.WriteError(new DeployOpsError(ErrorIds.ConfigInvalid, ErrorKind.InvalidData, problem.ToString(), problem));
        if (inspection.Config is not { } config) return false;

        sink.WriteRecord(config.View);
        if (!options.TestNotifications) return inspection.IsValid;
        try
        {
            var results = await NotificationCommands.TestAsync(config, sink, cancellationToken).ConfigureAwait(false);
            return inspection.IsValid && results.All(r => r.Delivered);
        }
        catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.NotificationsNotConfigured)
        {
            // Nothing to test is an answer too: -Quiet gets $false (and a warning), not a terminating error.
            sink.WriteError(ex.ToError());
            return false;
        }
    }
}
