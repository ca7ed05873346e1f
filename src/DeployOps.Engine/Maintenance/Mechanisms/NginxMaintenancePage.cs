using System.Text.RegularExpressions;
using DeployOps.Engine.Files;
using DeployOps.Engine.Processes;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Maintenance.Mechanisms;

/// <summary>
/// Switches the nginx site to a maintenance page: writes the include file, runs <c>nginx -t</c> and reloads.
/// When the test fails the previous include file is put back and nginx is not reloaded, so the live configuration
/// is untouched; the error carries nginx's own message with file and line.
/// </summary>
internal sealed partial class NginxMaintenancePage : IMaintenanceMechanism
{
    private readonly NginxPageSettings _settings;
    private string? _pidFile;

    public NginxMaintenancePage(NginxPageSettings settings) => _settings = settings;

    public string Name => "Nginx";
    public string Target => _settings.IncludeFile;

    [GeneratedRegex(@"\[(emerg|alert|crit|error)\]\s+(?:\d+#\d+:\s+)?(?<message>.*)$")]
    private static partial Regex NginxProblem();

    [GeneratedRegex(@" in (?<file>\S+):(?<line>\d+)\s*$")]
    private static partial Regex FileAndLine();

    public Task<MechanismReading> ReadAsync(CancellationToken cancellationToken)
    {
        var content = AtomicFile.ReadOrNull(_settings.IncludeFile);
        var (on, info) = NginxIncludeFile.Parse(content);
        var detail = content is null ? "include file absent" : on ? "maintenance page served" : "include file is a no-op";
        return Task.FromResult(new MechanismReading(on ? MechanismStatus.On : MechanismStatus.Off, detail, info));
    }

    public async Task EnterAsync(MaintenanceInfo info, CancellationToken cancellationToken)
    {
        var page = _settings.PagePath is { } path ? await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)
            : _settings.PageHtml ?? NginxPageSettings.DefaultPage;
        await ApplyAsync(NginxIncludeFile.On(info, _settings, page), cancellationToken).ConfigureAwait(false);
    }

    public Task ExitAsync(CancellationToken cancellationToken) => ApplyAsync(NginxIncludeFile.Off(), cancellationToken);

    private async Task ApplyAsync(string content, CancellationToken cancellationToken)
    {
        var previous = AtomicFile.ReadOrNull(_settings.IncludeFile);
        AtomicFile.Write(_settings.IncludeFile, content, FileReaders.Umask);
        try
        {
            var test = await RunAsync(_settings.TestCommand, cancellationToken).ConfigureAwait(false);
            if (!test.Succeeded)
            {
                Restore(previous);
                throw Invalid(test);
            }
            // The page is live only once nginx's old workers stop accepting: a slot stopped before then fails requests.
            ChildProcessResult reload = null!;
            await NginxWorkers.ReloadAsync(await MasterPidAsync(cancellationToken).ConfigureAwait(false),
                async ct => (reload = await RunAsync(_settings.ReloadCommand, ct).ConfigureAwait(false)).Succeeded,
                _settings.CommandTimeout, cancellationToken).ConfigureAwait(false);
            if (!reload.Succeeded)
            {
                Restore(previous);
                throw new DeployOpsException(ErrorIds.MaintenanceMechanismFailed, ErrorKind.InvalidOperation,
                    $"nginx reload failed ({_settings.ReloadCommand}, {Describe(reload)}): {reload.TailText.Trim()}; " +
                    $"{_settings.IncludeFile} was restored", _settings.IncludeFile);
            }
        }
        catch (OperationCanceledException)
        {
            Restore(previous); // nothing was reloaded yet, or the reload was cut short: keep disk matching the old config
            throw;
        }
    }

    /// <summary>
    /// nginx's master pid from the pid file its configuration names (<c>nginx -T</c>), looked up once; null when it
    /// cannot be told (no pid directive, a custom reload command for another nginx): the reload then is not awaited.
    /// </summary>
    private async Task<int?> MasterPidAsync(CancellationToken cancellationToken)
    {
        if (_pidFile is null)
        {
            var dump = await RunAsync(_settings.DumpCommand, cancellationToken).ConfigureAwait(false);
            _pidFile = (dump.Succeeded ? NginxWorkers.PidFileFrom(dump.Output, _settings.Arguments) : null) ?? "";
        }
        return NginxWorkers.MasterPid(_pidFile.Length == 0 ? null : _pidFile);
    }

    private void Restore(string? previous)
    {
        if (previous is null) File.Delete(_settings.IncludeFile);
        else AtomicFile.Write(_settings.IncludeFile, previous, FileReaders.Umask);
    }

    private DeployOpsException Invalid(ChildProcessResult test)
    {
        var problems = test.Output.Split('\n')
            .Select(l => NginxProblem().Match(l.TrimEnd()))
            .Where(m => m.Success)
            .Select(m => m.Groups["message"].Value)
            .ToList();
        var first = problems.Select(p => FileAndLine().Match(p)).FirstOrDefault(m => m.Success);
        var target = first is null ? _settings.IncludeFile : $"{first.Groups["file"].Value}:{first.Groups["line"].Value}";
        var text = problems.Count > 0 ? string.Join("; ", problems) : test.TailText.Trim();
        return new DeployOpsException(ErrorIds.NginxConfigInvalid, ErrorKind.InvalidData,
            $"nginx -t rejected the configuration: {text}. {_settings.IncludeFile} was restored and nginx was not reloaded.", target);
    }

    private Task<ChildProcessResult> RunAsync(string command, CancellationToken cancellationToken) =>
        ChildProcess.RunShellAsync(command, _settings.CommandTimeout, null, cancellationToken, tailLines: 10);

    private static string Describe(ChildProcessResult r) => r.TimedOut ? "timed out" : $"exit code {r.ExitCode}";
}
