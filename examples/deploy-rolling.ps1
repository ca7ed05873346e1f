#Requires -Version 7.4
<#
.SYNOPSIS
    Many instances, one batch at a time: each batch leaves nginx, is deployed and verified, and comes back.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Version,
    [string] $Path = './deployops.yaml'
)
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

$record = Invoke-Deployment -Path $Path -Strategy Rolling -Version $Version -WhatIf:$WhatIfPreference
if ($WhatIfPreference) { return }
$record.Phases | Format-Table Name, Status, Duration, Detail
if ($record.Outcome -ne 'Succeeded') {
    Write-Warning "Rolling deployment stopped: $($record.Error). Failed instances stay out of rotation."
    exit 1
}
