#Requires -Version 7.4
<#
.SYNOPSIS
    Critical bug: deploy in place on the live target(s) with a smoke test only. Still locked, journaled, recorded.
.EXAMPLE
    ./deploy-hotfix.ps1 -Version 2.4.1 -SkipPreChecks
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Version,
    [string] $Path = './deployops.yaml',
    [switch] $SkipPreChecks
)
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

$record = Invoke-Deployment -Path $Path -Strategy Hotfix -Version $Version -SkipPreChecks:$SkipPreChecks -WhatIf:$WhatIfPreference
if ($WhatIfPreference) { return }
"{0} {1} in {2:N1}s: {3}" -f $record.Id, $record.Version, $record.Duration.TotalSeconds, $record.Outcome
if ($record.Outcome -ne 'Succeeded') { Write-Warning $record.Error; exit 1 }
