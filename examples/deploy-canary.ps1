#Requires -Version 7.4
<#
.SYNOPSIS
    Major change: 5% -> 25% -> 50% -> 100% with a health gate at each step.
.DESCRIPTION
    A failing gate sets the canary's weight to 0 and stops. An inconclusive gate (too little traffic) waits for an
    operator: run Approve-Deployment -Path <config> from another shell to let it proceed.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Version,
    [string] $Path = './deployops.yaml'
)
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

$record = Invoke-Deployment -Path $Path -Strategy Canary -Version $Version -WhatIf:$WhatIfPreference
if ($WhatIfPreference) { return }
$record.Phases | Where-Object Name -like 'gate:*' | Format-Table Name, Status, Detail
if ($record.Outcome -ne 'Succeeded') { Write-Warning "Canary $($record.Outcome): $($record.Error)"; exit 1 }
