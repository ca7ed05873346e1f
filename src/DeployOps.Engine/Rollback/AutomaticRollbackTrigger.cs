using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Rollback;

/// <summary>
/// What Watch-DeploymentHealth -AutoRollback does on a Rollback verdict: undo the watched deployment with the
/// rollback engine, handing it the decision record that explains why. A rollback that does not succeed is an
/// error of the watch (HealthRollbackTriggerFailed), so scripts see it.
/// </summary>
internal sealed class AutomaticRollbackTrigger : IRollbackTrigger
{
    private readonly ConfigModel _config;

    public AutomaticRollbackTrigger(ConfigModel config) => _config = config;

    public async Task TriggerAsync(HealthDecision decision, IOutputSink sink, CancellationToken cancellationToken)
    {
        var result = await RollbackEngine.RollbackAsync(_config, new RollbackOptions
        {
            DeploymentId = decision.DeploymentId,
            Reason = $"automatic: {decision.Verdict} by rule {decision.Rule} ({string.Join("; ", decision.Reasons)})",
            DecisionRecordPath = decision.RecordPath,
            Command = "Watch-DeploymentHealth -AutoRollback",
        }, new NestedOperationSink(sink), cancellationToken).ConfigureAwait(false);
        if (result is null) return; // declined (-WhatIf / -Confirm)
        sink.WriteWarning(_config.Redactor.Redact(
            $"Automatic rollback of {result.DeploymentId}: {result.Status} ({result.FromVersion} -> {result.ToVersion}); report: {result.ReportPath}"));
        if (result.Status != RollbackStatus.Succeeded)
            throw new DeployOpsException(ErrorIds.RollbackFailed, ErrorKind.InvalidResult,
                $"rollback of {result.DeploymentId} ended {result.Status} (exit code {result.ExitCode}): {result.Message}", result);
    }
}
