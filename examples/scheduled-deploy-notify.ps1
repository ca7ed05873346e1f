#Requires -Version 7.4
<#
.SYNOPSIS
    A scheduled deploy → watch → rollback that keeps the team informed. Exits 0 (deployed and healthy, or rolled
    back cleanly), 1 (failed: manual intervention needed) or 2 (critical error during the rollback).

.DESCRIPTION
    For a cron job or CI schedule. The configuration's notifications: section (docs/notifications.md) posts the
    engine's own events on its own: deployment started/succeeded/failed, maintenance on/off, the health verdicts
    Investigate and Rollback, rollback started/finished. This runbook adds the runbooks' manual steps: it checks the
    channels are reachable before it starts (Test-DeploymentConfig -TestNotifications), posts the go-live note after
    a healthy watch, and after a rollback posts "Notify team: rolled back to <version>, investigating" with the
    incident report. A notification that cannot be delivered never stops the deployment: it is a warning and an
    audit line.

.EXAMPLE
    ./scheduled-deploy-notify.ps1 -Path /srv/shop/deployops.yaml -Version 2.4.0 -ChangeTicket CHG-1042 -WatchFor 10m
.EXAMPLE
    ./scheduled-deploy-notify.ps1 -Path /srv/shop/deployops.yaml -Version 2.4.0 -WhatIf   # the plan only; nothing is sent
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string] $Path = './deployops.yaml',
    [Parameter(Mandatory)] [string] $Version,
    [ValidateSet('BlueGreen', 'Canary', 'Rolling', 'Hotfix')] [string] $Strategy = 'BlueGreen',
    [string] $WatchFor = '10m',
    [string] $ChangeTicket,
    # Skip the reachability test of the notification targets (a configuration without notifications: needs it).
    [switch] $NoNotificationTest
)
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

if (-not $WhatIfPreference -and -not $NoNotificationTest) {
    # A dead channel is worth knowing before a night-time deployment, not a reason to skip it.
    $test = Test-DeploymentConfig -Path $Path -TestNotifications -ErrorAction Continue |
        Where-Object { $_ -is [DeployOps.Engine.Notifications.NotificationResult] }
    foreach ($failed in @($test | Where-Object { -not $_.Delivered })) { Write-Warning "Channel $($failed.Target) is unreachable: $($failed.Error)" }
}

$deployment = Invoke-Deployment -Path $Path -Version $Version -Strategy $Strategy -Confirm:$false -ErrorAction Continue -WhatIf:$WhatIfPreference
if ($WhatIfPreference) { return }
if (-not $deployment) { Write-Warning 'The deployment did not start (see the error above)'; exit 1 }
if ($deployment.Outcome -eq 'RolledBack') { exit 1 }   # the engine switched back and notified deploymentRolledBack

# The watch writes samples, then its HealthDecision; Healthy only with enough evidence.
$decision = if ($deployment.Outcome -eq 'Succeeded') {
    Watch-DeploymentHealth -Path $Path -DeploymentId $deployment.Id -Duration $WatchFor -ErrorAction Continue |
        Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] } | Select-Object -Last 1
}
if ($deployment.Outcome -eq 'Succeeded' -and $decision.Verdict -eq 'Healthy') {
    Send-DeploymentNotification -Path $Path -Message "Go-live of $Version confirmed after a $WatchFor health watch ($($decision.Verdict))." `
        -ChangeTicket $ChangeTicket -Confirm:$false -ErrorAction Continue | Out-Null
    exit 0
}

$result = Invoke-Rollback -Path $Path -DeploymentId $deployment.Id -Reason "outcome $($deployment.Outcome), health verdict $($decision.Verdict ?? 'none')" -Confirm:$false
Send-DeploymentNotification -Path $Path -Severity Critical -ChangeTicket $ChangeTicket -Confirm:$false -ErrorAction Continue `
    -Message "Rolled back to $($result.ToVersion), investigating. Incident report: $($result.ReportPath)" | Out-Null
exit $result.ExitCode
