#Requires -Version 7.4
<#
.SYNOPSIS
    After a crash or a lost SSH session: show the interrupted deployment and continue it from its last completed phase.
#>
[CmdletBinding(SupportsShouldProcess)]
param([string] $Path = './deployops.yaml')
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

$interrupted = Get-DeploymentHistory -Path $Path -Status Interrupted -Last 1
if (-not $interrupted) { 'Nothing to resume.'; return }
"Resuming $($interrupted.Id) ($($interrupted.Version)) after phase $($interrupted.LastCompletedPhase)"
Resume-Deployment -Path $Path -Id $interrupted.Id -WhatIf:$WhatIfPreference
