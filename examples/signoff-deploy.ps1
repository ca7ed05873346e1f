#Requires -Version 7.4
<#
.SYNOPSIS
    Deploys only after the production owner signs it off. Exits 0 (signed off and deployed), 3 (not approved: denied,
    timed out or cancelled; nothing was deployed) or 1 (the deployment failed or could not start).

.DESCRIPTION
    The runbooks' "Approval obtained — sign-off from the production owner" as a script. The configuration's
    deployment.approval section (required: true, approvers, timeout; see docs/approval.md) makes Invoke-Deployment
    request the sign-off — the approvalRequested notification carries the plan and the commands to answer with — and
    wait. A listed approver answers from a second shell, on this host or (with state.store: postgres) on any host
    sharing the store:

        Approve-Deployment -Path <deployops.yaml> -Comment 'plan reviewed' -Confirm:$false
        Deny-Deployment    -Path <deployops.yaml> -Comment 'not during the sale' -Confirm:$false

    Approved, the deployment runs and this runbook posts the go-live note naming the approver ("Sign-off obtained:
    approver confirms readiness"). Denied or timed out, nothing was deployed; the engine has already notified
    deploymentNotApproved. The approver, time and comment stay on the deployment record ($record.SignOff).

.EXAMPLE
    ./signoff-deploy.ps1 -Path /srv/shop/deployops.yaml -Version 2.4.0 -ChangeTicket CHG-1042 -Reason 'release 2.4'
.EXAMPLE
    ./signoff-deploy.ps1 -Path /srv/shop/deployops.yaml -Version 2.4.0 -WhatIf   # the plan, sign-off first; nothing is requested
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string] $Path = './deployops.yaml',
    [Parameter(Mandatory)] [string] $Version,
    [ValidateSet('BlueGreen', 'Canary', 'Rolling', 'Hotfix')] [string] $Strategy,
    [string] $Reason,
    [string] $ChangeTicket
)
$ErrorActionPreference = 'Stop'
Import-Module DeployOps

$deploy = @{ Path = $Path; Version = $Version; Confirm = $false; ErrorAction = 'Continue'; WhatIf = $WhatIfPreference }
if ($Strategy) { $deploy.Strategy = $Strategy }
if ($Reason) { $deploy.Reason = $Reason }
if ($ChangeTicket) { $deploy.ChangeTicket = $ChangeTicket }

# Waits here for the sign-off (Write-Progress shows the time left; Ctrl+C stops the wait and deploys nothing).
$record = Invoke-Deployment @deploy -ErrorVariable failed
if ($WhatIfPreference) { return }
if (-not $record) { Write-Warning "The deployment did not start: $($failed | Select-Object -First 1)"; exit 1 }

if ($record.SignOff -and $record.SignOff.Status -ne 'Approved') {
    Write-Warning "Deployment $($record.Id) of $Version was not approved: $($record.SignOff). Nothing was deployed."
    exit 3
}
if ($record.Outcome -ne 'Succeeded') { Write-Warning "Deployment $($record.Id) ended $($record.Outcome): $($record.Error)"; exit 1 }

$signedOff = if ($record.SignOff) { "signed off by $($record.SignOff.By) ($($record.SignOff.Comment))" } else { 'no sign-off configured' }
Send-DeploymentNotification -Path $Path -Message "Go-live of ${Version}: $signedOff. Deployment $($record.Id) succeeded." `
    -ChangeTicket $ChangeTicket -Confirm:$false -ErrorAction Continue | Out-Null
exit 0
