#Requires -Version 7.4
<#
.SYNOPSIS
    Deploy, watch, and roll back automatically when the new version goes bad. Exits 0 (deployed and healthy, or
    rolled back cleanly), 1 (failed: manual intervention needed) or 2 (critical error during the rollback).

.DESCRIPTION
    Replaces the hand-run "deploy, keep an eye on the dashboards for ten minutes, run rollback.sh if it looks bad"
    with one scheduled or CI step. Watch-DeploymentHealth compares the new version with its baseline; when it calls
    the deployment unhealthy this script rolls it back (database included when the deployment migrated and
    -IncludeDatabase is given) and leaves the incident report in the incident folder.

.EXAMPLE
    ./deploy-watch-rollback.ps1 -Path /srv/shop/deployops.yaml -Version 2.4.0 -Strategy BlueGreen -WatchFor 10m
.EXAMPLE
    ./deploy-watch-rollback.ps1 -Path /srv/shop/deployops.yaml -Version 2.4.0 -WhatIf   # show the deployment plan only
.EXAMPLE
    ./deploy-watch-rollback.ps1 -Path /srv/shop/deployops.yaml -Version 2.4.0 -ReportPath /srv/reports
    # also leaves /srv/reports/<deployment id>.html: the filled-in checklist with the health chart, to sign
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string] $Path = './deployops.yaml',
    [Parameter(Mandatory)] [string] $Version,
    [ValidateSet('BlueGreen', 'Canary', 'Rolling', 'Hotfix')] [string] $Strategy = 'BlueGreen',
    # How long to watch: 30s, 10m, 1h or hh:mm:ss (Watch-DeploymentHealth's own duration syntax).
    [string] $WatchFor = '10m',
    # Restore the pre-deployment backup too when the bad version migrated the schema.
    [switch] $IncludeDatabase,
    # A folder for the deployment report (<deployment id>.html), written however the run ends.
    [string] $ReportPath
)
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

$deployment = Invoke-Deployment -Path $Path -Version $Version -Strategy $Strategy -Confirm:$false -ErrorAction Continue -WhatIf:$WhatIfPreference
if ($WhatIfPreference) { return }   # the plan was shown; a dry run watches nothing and rolls nothing back
if (-not $deployment) { Write-Warning 'The deployment did not start (see the error above)'; exit 1 }

# The report people sign, from what was recorded up to now (health samples, decision, rollback, incident).
function Save-Report {
    if (-not $ReportPath) { return }
    $file = Export-DeploymentReport -Path $Path -Id $deployment.Id -Format Html -OutFile (Join-Path $ReportPath "$($deployment.Id).html") -Force -ErrorAction Continue
    if ($file) { Write-Host "Deployment report: $($file.FullName)" }
}
if ($deployment.Outcome -ne 'Succeeded') {
    # The engine already put traffic back where it could (Outcome RolledBack); a failed in-place deployment is
    # still live, so undo it explicitly.
    if ($deployment.Outcome -eq 'RolledBack') { Save-Report; exit 1 }
    Write-Warning "Deployment $($deployment.Id) ended $($deployment.Outcome); rolling back"
    $code = (Invoke-Rollback -Path $Path -DeploymentId $deployment.Id -IncludeDatabase:$IncludeDatabase -Reason 'deployment failed' -Confirm:$false).ExitCode
    Save-Report
    exit $code
}

# Watch for the whole window, but stop at the first sample whose verdict is Rollback (a rule breached for its
# sustained duration; Select-Object -First 1 ends the watch there). A window without one ends with the final
# HealthDecision: Healthy only when there was enough evidence.
$verdict = Watch-DeploymentHealth -Path $Path -DeploymentId $deployment.Id -Duration $WatchFor |
    Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] -or $_.Verdict -eq 'Rollback' } | Select-Object -First 1
if (-not $verdict) { Write-Warning 'The watch returned nothing (see the error above)'; Save-Report; exit 1 }
if ($verdict -is [DeployOps.Engine.Health.HealthDecision]) {
    if ($verdict.Verdict -eq 'Healthy') {
        Write-Host "$Version is healthy after $WatchFor ($($verdict.SampleCount) samples)"
        Save-Report
        exit 0
    }
    # Investigate, or Inconclusive (too little evidence to call it healthy): a person decides, nothing is undone.
    Write-Warning "$Version is not proven healthy: $verdict"
    Save-Report
    exit 1
}
$reason = $verdict.Reasons -join '; '
Write-Warning "Unhealthy at T+$($verdict.Elapsed): $reason. Rolling back $Version"
$rollback = Invoke-Rollback -Path $Path -DeploymentId $deployment.Id -IncludeDatabase:$IncludeDatabase `
    -Reason "Watch-DeploymentHealth: $reason" -Confirm:$false
$rollback | Format-Table
Write-Host "Incident report: $($rollback.ReportPath)"
Save-Report
exit $rollback.ExitCode
