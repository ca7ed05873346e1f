using System.Diagnostics;
using System.Text;
using System.Text.Json;
using DeployOps.Engine.Files;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Processes;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Timing;

namespace DeployOps.Engine.Traffic;

/// <summary>
/// Drives nginx through an upstream include file DeployOps owns. A change writes the new file atomically,
/// validates it with <c>nginx -t</c>, reloads, and probes through nginx until only the intended backends answer;
/// any failure puts the previous file back and reloads again, so nginx never keeps an unconfirmed assignment.
/// </summary>
internal sealed class NginxRouter : ITrafficRouter
{
    private const string StateMarker = NginxUpstreamFile.StateMarker;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly TrafficSettings _settings;
    private readonly Redactor _redactor;
    private readonly Action<string>? _log;
    private readonly RouterProbe _probe;
    private readonly IReadOnlyList<Strategies.DeploymentTarget> _slots;
    private readonly IReadOnlyList<Strategies.DeploymentTarget> _instances;
    private string? _pidFile;

    /// <param name="slots">With <paramref name="instances"/>: the configured targets a hand-written upstream is mapped to by host:port.</param>
    public NginxRouter(TrafficSettings settings, Redactor redactor, Action<string>? log = null,
        IReadOnlyList<Strategies.DeploymentTarget>? slots = null, IReadOnlyList<Strategies.DeploymentTarget>? instances = null)
    {
        if (settings.Provider != TrafficProvider.Nginx)
            throw new DeployOpsException(ErrorIds.TrafficNotConfigured, ErrorKind.InvalidOperation,
                "deployment.traffic is not configured for nginx", null);
        _settings = settings;
        _redactor = redactor;
        _log = log;
        _probe = new RouterProbe(settings, redactor, settings.UpstreamFile, log);
        _slots = slots ?? Array.Empty<Strategies.DeploymentTarget>();
        _instances = instances ?? Array.Empty<Strategies.DeploymentTarget>();
    }

    /// <summary>
    /// Set by <c>Switch-DeploymentTraffic -Adopt</c>: the next change may replace a hand-written upstream file that
    /// cannot be read with certainty (otherwise refused as TrafficStateUnknown).
    /// </summary>
    public bool Adopt { get; init; }

    public string Target => _settings.UpstreamFile;

    public Task<IReadOnlyList<TrafficBackend>?> ReadCurrentAsync(CancellationToken cancellationToken) =>
        Task.FromResult(NginxUpstreamFile.Read(Target, _settings, _slots, _instances));

    /// <summary>The include file for an assignment (also used to write the very first file before nginx starts).</summary>
    public string Render(IReadOnlyList<TrafficBackend> backends)
    {
        var text = new StringBuilder();
        text.Append("# Managed by DeployOps: Switch-DeploymentTraffic and Invoke-Deployment rewrite this file; edits are lost.\n");
        text.Append(StateMarker).Append(JsonSerializer.Serialize(backends.Select(b => new BackendLine(b.Name, b.Host, b.Port, b.Weight)), Json)).Append('\n');
        text.Append("upstream ").Append(_settings.UpstreamName).Append(" {\n");
        var failure = FailureParameters(backends.Count(b => b.Weight > 0));
        foreach (var b in backends)
            text.Append("    server ").Append(b.Address).Append(b.Weight > 0 ? $" weight={b.Weight}{failure}" : " down").Append(";  # ").Append(b.Name).Append('\n');
        if (_settings.Keepalive > 0) text.Append("    keepalive ").Append(_settings.Keepalive).Append(";\n");
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>
    /// max_fails/fail_timeout for a serving server. Always written, so nginx's defaults (max_fails=1 fail_timeout=10s,
    /// which black-hole a lone server for 10 s after one refused connect during a restart) never apply silently.
    /// </summary>
    private string FailureParameters(int serving)
    {
        var maxFails = _settings.MaxFailsFor(serving);
        return maxFails == 0 ? " max_fails=0"
            : $" max_fails={maxFails} fail_timeout={(long)_settings.FailTimeout.TotalSeconds}s";
    }

    public async Task<TrafficChange?> RefreshAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Target)) return null;
        var text = await File.ReadAllTextAsync(Target, cancellationToken).ConfigureAwait(false);
        // Only a file DeployOps wrote: adopting someone else's upstream is an explicit step, never a side effect.
        if (!text.Contains(StateMarker, StringComparison.Ordinal)) return null;
        var current = await ReadCurrentAsync(cancellationToken).ConfigureAwait(false);
        if (current is null || current.All(b => b.Weight <= 0) || text == Render(current)) return null;
        return await ApplyAsync(current, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the first include file without reloading (nginx cannot start while its include is missing).</summary>
    public void WriteInitial(IReadOnlyList<TrafficBackend> backends)
    {
        Validate(backends);
        WriteAtomically(Render(backends));
    }

    public async Task<TrafficChange> ApplyAsync(IReadOnlyList<TrafficBackend> backends, CancellationToken cancellationToken)
    {
        Validate(backends);
        var clock = Stopwatch.StartNew();
        var previousText = File.Exists(Target) ? await File.ReadAllTextAsync(Target, cancellationToken).ConfigureAwait(false) : null;
        // A hand-written file is replaced only when it reads with certainty or the operator adopts it.
        var previous = NginxUpstreamFile.ReadBeforeChange(Target, _settings, _slots, _instances, Adopt);

        // Learn who each backend is before routing to it (one that answers with an error status is routed to: the gate judges it).
        var identities = await _probe.IdentitiesAsync(backends, cancellationToken).ConfigureAwait(false);

        WriteAtomically(Render(backends));
        // Until a reload succeeds nginx still runs what it ran before: undoing then means only putting our file back.
        var reloaded = false;
        try
        {
            await TestConfigurationAsync(cancellationToken).ConfigureAwait(false);
            await ReloadAsync(ErrorIds.TrafficReloadFailed, cancellationToken).ConfigureAwait(false);
            reloaded = true;
            var probes = await ConfirmAsync(backends, identities, cancellationToken).ConfigureAwait(false);
            return new TrafficChange(Target, previous is null ? (previousText is null ? "(none)" : "(hand-written file, adopted)") : TrafficBackend.Describe(previous),
                TrafficBackend.Describe(backends), probes, clock.Elapsed);
        }
        catch (Exception failure)
        {
            await RestoreAsync(previousText, failure, reloaded).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// <c>nginx -t</c>; a refusal is TrafficConfigInvalid naming nginx's file:line, and says so when that is not our
    /// include (a hand edit elsewhere), because then our change is not the problem.
    /// </summary>
    private async Task TestConfigurationAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunNginxAsync("-t", ErrorIds.TrafficConfigInvalid, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.TrafficConfigInvalid && NginxDiagnostics.FirstProblem(ex.Message) is { } problem)
        {
            var elsewhere = problem.File is not null && !SamePath(problem.File, Target);
            var text = $"nginx -t rejects the configuration: {problem.Message}" + (problem.File is null ? "" : $" at {problem.Location}") +
                (elsewhere ? $". That is outside {Target}, which DeployOps writes: fix {problem.File} and try again; {Target} was put back and nginx was not reloaded" : "");
            throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.InvalidArgument, _redactor.Redact(text),
                problem.File ?? Target, ex);
        }
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    private void Validate(IReadOnlyList<TrafficBackend> backends)
    {
        if (backends.Count == 0 || backends.All(b => b.Weight <= 0))
            throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.InvalidArgument,
                "refusing to write an upstream where no backend takes traffic", Target);
        // Every value written into the file must stay inside its server directive (and its trailing comment).
        foreach (var b in backends)
        {
            var problem = Security.Identifiers.HostProblem(b.Host) is { } hostProblem ? $"host {hostProblem}"
                : b.Port is < 1 or > 65535 ? $"port {b.Port} is outside 1-65535"
                : b.Weight < 0 ? $"weight {b.Weight} is negative"
                : Security.Identifiers.NameProblem(b.Name) is { } nameProblem ? $"name '{Security.Identifiers.Printable(b.Name)}': {nameProblem}"
                : null;
            if (problem is not null)
                throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.InvalidArgument,
                    $"refusing to write backend {Security.Identifiers.Printable(b.Name)} into {Target}: {problem}", Target);
        }
        if (!System.Text.RegularExpressions.Regex.IsMatch(_settings.UpstreamName, "^[A-Za-z0-9_.-]+$"))
            throw new DeployOpsException(ErrorIds.TrafficConfigInvalid, ErrorKind.InvalidArgument,
                $"refusing to write upstream name '{Security.Identifiers.Printable(_settings.UpstreamName)}' into {Target}", Target);
    }

    private async Task RestoreAsync(string? previousText, Exception failure, bool reloaded)
    {
        // Restoring must finish even when the operator pressed Ctrl+C: nginx must not keep the unconfirmed file.
        try
        {
            if (previousText is null) File.Delete(Target);
            else WriteAtomically(previousText);
            if (!reloaded)
            {
                // nginx never loaded our file: the old text is back byte for byte and nothing else needs undoing.
                _log?.Invoke($"restored the previous {Target} (nginx was not reloaded) after: {failure.Message}");
                return;
            }
            if (previousText is not null)
            {
                await RunNginxAsync("-t", ErrorIds.TrafficRestoreFailed, CancellationToken.None).ConfigureAwait(false);
                await ReloadAsync(ErrorIds.TrafficRestoreFailed, CancellationToken.None).ConfigureAwait(false);
            }
            _log?.Invoke($"restored the previous {Target} after: {failure.Message}");
        }
        catch (Exception ex) when (ex is DeployOpsException or IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(ErrorIds.TrafficRestoreFailed, ErrorKind.InvalidResult,
                _redactor.Redact($"traffic change failed ({failure.Message}) and restoring {Target} failed too: {ex.Message}"), Target, ex);
        }
        if (previousText is not null && Parse(previousText) is { } previous)
        {
            // Wait until the restored assignment answers again, so the caller's next action sees the old routing.
            try
            {
                var identities = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var b in previous) identities[b.Name] = await IdentityAsync(b, CancellationToken.None).ConfigureAwait(false);
                if (previous.Where(b => b.Weight > 0).All(b => identities[b.Name] is not null))
                    await ConfirmAsync(previous, identities, CancellationToken.None).ConfigureAwait(false);
            }
            catch (DeployOpsException ex)
            {
                _log?.Invoke($"the restored {Target} is not confirmed: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// Waits, within <see cref="TrafficSettings.ConfirmTimeout"/>, until no worker of an earlier configuration is left:
    /// those still finish requests to backends that were in rotation then, so stopping such a backend before they exit
    /// fails those requests. Past the bound it says so and returns (a long-lived connection may keep a worker forever).
    /// </summary>
    public async Task<string?> WaitUntilRetiredAsync(CancellationToken cancellationToken)
    {
        int? master;
        try { master = await MasterAsync(ErrorIds.RouterUnavailable, cancellationToken).ConfigureAwait(false); }
        catch (DeployOpsException ex)
        {
            // Only a wait: when nginx cannot tell us its pid file the change itself reports the real problem.
            var unknown = _redactor.Redact($"could not look for nginx workers of a previous configuration: {ex.Message}");
            _log?.Invoke(unknown);
            return unknown;
        }
        if (master is null || RetiringWorkers(master.Value) == 0) return null;
        var clock = Stopwatch.StartNew();
        // Real time: the workers are real processes finishing real requests.
        await Timing.Poll.UntilAsync(_ => Task.FromResult(RetiringWorkers(master.Value) == 0 ? "none left" : null),
            _settings.ConfirmTimeout, TimeSpan.FromMilliseconds(20), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        var left = RetiringWorkers(master.Value);
        var text = left == 0
            ? $"waited {clock.Elapsed.TotalMilliseconds:0} ms until nginx's workers of the previous configuration finished"
            : $"{left} nginx worker(s) of the previous configuration still run after {Configuration.ValueParsers.FormatDuration(_settings.ConfirmTimeout)}; continuing";
        _log?.Invoke(text);
        return text;
    }

    /// <summary>Workers that accepted connections before one of this router's reloads (pruned once they exit).</summary>
    private readonly HashSet<int> _preReloadWorkers = new();

    private async Task<int?> MasterAsync(string errorId, CancellationToken cancellationToken)
    {
        _pidFile ??= NginxWorkers.PidFileFrom(await RunNginxAsync("-T", errorId, cancellationToken, quiet: true).ConfigureAwait(false),
            _settings.NginxArguments) ?? "";
        return NginxWorkers.MasterPid(_pidFile.Length == 0 ? null : _pidFile);
    }

    /// <summary>
    /// Workers of an earlier configuration still alive: those titled "shutting down", and those this router saw
    /// accepting before one of its reloads. The pids matter because a title read while an old worker has not yet
    /// renamed itself (or while nginx rewrites it) would otherwise count as "none left".
    /// </summary>
    private int RetiringWorkers(int master)
    {
        _preReloadWorkers.RemoveWhere(pid => !NginxWorkers.IsChildOf(pid, master));
        var retiring = NginxWorkers.Retiring(master);
        retiring.UnionWith(_preReloadWorkers);
        return retiring.Count;
    }

    /// <summary>Reloads and waits (within the confirm timeout) until the workers that ran the old configuration stop accepting.</summary>
    private async Task ReloadAsync(string errorId, CancellationToken cancellationToken)
    {
        var master = await MasterAsync(errorId, cancellationToken).ConfigureAwait(false);
        if (master is { } running) _preReloadWorkers.UnionWith(NginxWorkers.Accepting(running));
        await NginxWorkers.ReloadAsync(master, async ct =>
        {
            try
            {
                await RunNginxAsync("-s reload", errorId, ct).ConfigureAwait(false);
                return true;
            }
            catch (DeployOpsException ex) when (!NginxWorkers.IsRunning(master))
            {
                // Nothing to signal: nginx is down (or its pid file is gone), which no change of our file can fix.
                throw new DeployOpsException(ErrorIds.RouterUnavailable, ErrorKind.ConnectionError, _redactor.Redact(
                    $"nginx is not running ({(master is null ? $"no master pid in {(string.IsNullOrEmpty(_pidFile) ? "its pid file" : _pidFile)}" : $"master pid {master} is gone")}); " +
                    $"start it and try again. {ex.Message}"), Target, ex);
            }
        }, _settings.ConfirmTimeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> RunNginxAsync(string action, string errorId, CancellationToken cancellationToken, bool quiet = false)
    {
        var command = $"{_settings.NginxCommand} {_settings.NginxArguments} {action}";
        var result = await ChildProcess.RunShellAsync(command, TimeSpan.FromSeconds(30), null, cancellationToken).ConfigureAwait(false);
        if (!quiet) _log?.Invoke(_redactor.Redact($"$ {command}\n{result.Output.TrimEnd()}"));
        if (!result.Succeeded)
            throw new DeployOpsException(errorId, ErrorKind.InvalidResult,
                _redactor.Redact($"'{command}' {(result.TimedOut ? "timed out" : $"exited {result.ExitCode}")}: {result.TailText}"), Target);
        return result.Output;
    }

    private async Task<string?> IdentityAsync(TrafficBackend backend, CancellationToken cancellationToken) =>
        (await _probe.OnceAsync(backend.BaseUrl + _settings.ProbePath, cancellationToken).ConfigureAwait(false)).Identity;

    /// <summary>Probes through nginx until only the backends that should take traffic answer (the shared rule).</summary>
    private Task<int> ConfirmAsync(IReadOnlyList<TrafficBackend> backends, IReadOnlyDictionary<string, string?> identities,
        CancellationToken cancellationToken) => _probe.ConfirmAsync(backends, identities, cancellationToken);

    // nginx's workers read the file: it keeps the umask's mode.
    private void WriteAtomically(string text) => AtomicFile.Write(Target, text, FileReaders.Umask);

    internal static IReadOnlyList<TrafficBackend>? Parse(string text) => NginxUpstreamFile.ReadMarker(text);

    private sealed record BackendLine(string Name, string Host, int Port, int Weight);
}
