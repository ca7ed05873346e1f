using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance.Mechanisms;

namespace DeployOps.Engine.Maintenance;

/// <summary>
/// Maintenance held for the duration of some work (an in-place deployment). Call <see cref="Complete"/> when the
/// work succeeded; disposing then exits maintenance. Disposing without Complete (an exception, or
/// <see cref="Fail"/>) also exits, unless <c>maintenance.stayOnFailure</c> is set, in which case maintenance
/// stays on for the operator to investigate. <see cref="KeepOn"/> keeps it on whatever that setting says (the
/// application is not serving: leaving would show users a 502 instead of the page). Either way the outcome is audited. While the scope is open a Redis
/// TTL (the dead-man switch) is renewed, so only a dead session lets it expire.
/// </summary>
internal sealed class MaintenanceScope : IAsyncDisposable
{
    internal static readonly TimeSpan ExitTimeout = TimeSpan.FromMinutes(2);

    private readonly ConfigModel _config;
    private readonly string? _deploymentId;
    private readonly string _command;
    private readonly IOutputSink _sink;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _keepAlive;
    private bool _completed;
    private bool _keepOn;
    private string? _failure;
    private int _disposed;

    internal MaintenanceScope(ConfigModel config, MaintenanceState entered, string? deploymentId, string command, IOutputSink sink,
        RedisFlagMechanism? renewable)
    {
        _config = config;
        _deploymentId = deploymentId;
        _command = command;
        _sink = sink;
        Entered = entered;
        _keepAlive = renewable is { Ttl: { } ttl } ? KeepAliveAsync(renewable, ttl, _stop.Token) : Task.CompletedTask;
    }

    /// <summary>The state right after entering (including the drain result).</summary>
    public MaintenanceState Entered { get; }
    /// <summary>The state after leaving; null until disposed, or when maintenance was kept on.</summary>
    public MaintenanceState? Exited { get; private set; }
    /// <summary>True when disposal left maintenance on: the work failed and stayOnFailure is set, or <see cref="KeepOn"/>.</summary>
    public bool StayedOn { get; private set; }
    public bool StayOnFailure => _config.Maintenance.StayOnFailure;

    /// <summary>The work succeeded: maintenance is exited on dispose.</summary>
    public void Complete() => _completed = true;

    /// <summary>The work failed: on dispose maintenance stays on if configured so, else it is exited.</summary>
    public void Fail(string reason)
    {
        _completed = false;
        _failure = reason;
    }

    /// <summary>The work failed and the application is not serving: on dispose maintenance stays on, whatever stayOnFailure says.</summary>
    public void KeepOn(string reason)
    {
        _completed = false;
        _keepOn = true;
        _failure = reason;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        try { await _keepAlive.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _stop.Dispose();

        var audit = AuditLog.For(_config);
        var details = new Dictionary<string, string> { ["workSucceeded"] = _completed ? "true" : "false" };
        if (!_completed) details["failure"] = _failure ?? "the work did not complete";
        if (!_completed && (StayOnFailure || _keepOn))
        {
            StayedOn = true;
            audit.Write(_command, "leave maintenance scope", $"{_config.Application}/{_config.Environment}", _keepOn ? "KeptOn" : "StayedOn",
                details, _deploymentId);
            var why = _keepOn ? "the application is not serving: leaving would show users an error instead of the maintenance page"
                : "maintenance.stayOnFailure";
            _sink.WriteWarning(_config.Redactor.Redact(
                $"The work failed ({details["failure"]}); maintenance stays ON ({why}). Run Exit-MaintenanceMode once the application serves again."));
            return;
        }

        using var timeout = new CancellationTokenSource(ExitTimeout); // never the caller's token: Ctrl+C must not skip the exit
        try
        {
            Exited = await MaintenanceMode.ExitCoreAsync(_config, new ExitMaintenanceOptions { Command = _command, DeploymentId = _deploymentId },
                _sink, askFirst: false, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            details["error"] = _config.Redactor.Redact(ex.Message);
            audit.Write(_command, "leave maintenance scope", $"{_config.Application}/{_config.Environment}", "ExitFailed", details, _deploymentId);
            throw;
        }
        details["state"] = Exited.Status.ToString();
        audit.Write(_command, "leave maintenance scope", $"{_config.Application}/{_config.Environment}",
            Exited.IsOn ? "ExitFailed" : "Exited", details, _deploymentId);
    }

    private async Task KeepAliveAsync(RedisFlagMechanism redis, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var every = TimeSpan.FromMilliseconds(Math.Max(50, ttl.TotalMilliseconds / 3));
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(every, cancellationToken).ConfigureAwait(false);
            try
            {
                if (!await redis.RenewAsync(cancellationToken).ConfigureAwait(false))
                {
                    _sink.WriteWarning(_config.Redactor.Redact($"{redis.Target} disappeared while maintenance was held; no longer renewing it"));
                    return;
                }
            }
            catch (DeployOpsException ex)
            {
                _sink.WriteWarning(_config.Redactor.Redact($"Could not renew {redis.Target}: {ex.Message}"));
            }
        }
    }
}
