#Requires -Version 7.4
<#
.SYNOPSIS
    Regular release: deploy to the idle slot, verify it directly, switch nginx, verify through nginx.
.EXAMPLE
    ./deploy-blue-green.ps1 -Version 2.4.0 -Path ./deployment/deployops.yaml -WhatIf   # show the plan
    ./deploy-blue-green.ps1 -Version 2.4.0 -Path ./deployment/deployops.yaml
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Version,
    [string] $Path = './deployops.yaml'
)
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

Test-DeploymentConfig -Path $Path | Out-Null
$record = Invoke-Deployment -Path $Path -Strategy BlueGreen -Version $Version -WhatIf:$WhatIfPreference
if ($WhatIfPreference) { return }
$record | Format-List Id, Version, PreviousVersion, Outcome, Duration, LogPath
$record.Phases | Format-Table Name, Status, Duration, Detail

if ($record.Outcome -ne 'Succeeded') {
    # The old slot is still running: moving traffic back is instant.
    Write-Warning "Deployment $($record.Id) ended $($record.Outcome): $($record.Error)"
    exit 1
}
# Switch back later if needed:  Switch-DeploymentTraffic -Path $Path -To <old slot>
