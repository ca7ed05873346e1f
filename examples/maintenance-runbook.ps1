#Requires -Version 7.4
<#
.SYNOPSIS
    In-place deployment runbook: enter maintenance, drain, do the work, and always leave maintenance again.

.DESCRIPTION
    Replaces the hand-run steps "create the maintenance flag, watch active_connections until it is below 5, stop the
    app, deploy, remove the flag". The finally block makes forgetting the last step impossible; a drain that never
    reaches the threshold stops the runbook before anything is touched (maintenance is still exited).

.EXAMPLE
    ./maintenance-runbook.ps1 -Path /srv/shop/deployops.yaml -Reason 'release 2.4' -Work { systemctl restart shop }
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string] $Path = './deployops.yaml',
    [string] $Reason = 'scheduled maintenance',
    [TimeSpan] $ExpectedDuration = (New-TimeSpan -Minutes 30),
    # The maintenance work itself; replace with your deployment steps.
    [scriptblock] $Work = { Write-Host 'doing the maintenance work…'; Start-Sleep -Seconds 2 }
)
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

Get-MaintenanceMode -Path $Path | Format-Table

try {
    # Errors (a mechanism that failed, DrainTimeout) are non-terminating in the cmdlet; collect them and stop here.
    $state = Enter-MaintenanceMode -Path $Path -Reason $Reason -ExpectedDuration $ExpectedDuration -PassThru `
        -ErrorAction Continue -ErrorVariable enterErrors
    if ($enterErrors) {
        $ids = ($enterErrors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }) -join ', '
        throw "Not starting the work: entering maintenance reported $ids"
    }
    if ($state.Drain) {
        Write-Host ("Drained: {0} in flight (threshold {1}) after {2:N0}s" -f $state.Drain.LastCount, $state.Drain.Threshold, $state.Drain.Elapsed.TotalSeconds)
    }

    # -WhatIf shows what would happen; the work itself (any command) must not run then.
    if ($PSCmdlet.ShouldProcess($Path, 'Run the maintenance work')) { & $Work }
}
finally {
    # Always runs — also after Ctrl+C or a failed step. Exit switches off everything that is on and reports each failure.
    Exit-MaintenanceMode -Path $Path -PassThru | Format-Table
}
