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
#>
[CmdletBinding()]
param(
    [string] $Path = './deployops.yaml',
    [Parameter(Mandatory)] [string] $Version,
    [ValidateSet('BlueGreen', 'Canary', 'Rolling', 'Hotfix')] [string] $Strategy = 'BlueGreen',
    [TimeSpan] $WatchFor = (New-TimeSpan -Minutes 10),
    # Restore the pre-deployment backup too when the bad version migrated the schema.
    [switch] $IncludeDatabase
)
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

$deployment = Invoke-Deployment -Path $Path -Version $Version -Strategy $Strategy -Confirm:$false -ErrorAction Continue
if ($deployment.Outcome -ne 'Succeeded') {
    # The engine already put traffic back where it could (Outcome RolledBack); a failed in-place deployment is
    # still live, so undo it explicitly.
    if ($deployment.Outcome -eq 'RolledBack') { exit 1 }
    Write-Warning "Deployment $($deployment.Id) ended $($deployment.Outcome); rolling back"
    exit (Invoke-Rollback -Path $Path -DeploymentId $deployment.Id -IncludeDatabase:$IncludeDatabase -Reason 'deployment failed' -Confirm:$false).ExitCode
}

# Watch the new version against its baseline; the verdict carries the decision record that explains it.
$verdict = Watch-DeploymentHealth -Path $Path -DeploymentId $deployment.Id -Duration $WatchFor
if ($verdict.Healthy) {
    Write-Host "$Version is healthy after $WatchFor"
    exit 0
}

Write-Warning "Unhealthy: $($verdict.Reason). Rolling back $Version"
$rollback = Invoke-Rollback -Path $Path -DeploymentId $deployment.Id -IncludeDatabase:$IncludeDatabase `
    -Reason "Watch-DeploymentHealth: $($verdict.Reason)" -Confirm:$false
$rollback | Format-Table
Write-Host "Incident report: $($rollback.ReportPath)"
exit $rollback.ExitCode
