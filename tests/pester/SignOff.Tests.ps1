#Requires -Version 7.4
# Sign-off before deploying (issue 15 §2) in real pwsh against the staged module: examples/signoff-deploy.ps1 runs
# in one child pwsh (the deploying operator), waits for the sign-off it requested (approvalRequested arrives at a
# real webhook receiver), and a second child pwsh (DEPLOYOPS_OPERATOR=alice or bob) approves or denies it, here with
# the file store (SignOffPostgres.Tests.ps1: a shared PostgreSQL store, the approver on another "host"). The runbook's
# exit codes (0 deployed, 3 not approved), the record's SignOff, the audit log and the notifications are checked;
# -WhatIf requests nothing; an unlisted user gets ApproverNotListed. Helpers: SignOffSupport.ps1.
# Needs busybox (the instance's /health).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    . (Join-Path $PSScriptRoot 'SignOffSupport.ps1')
}

AfterAll {
    Remove-TestResources
}

Describe 'examples/signoff-deploy.ps1 with the file store' {
    It 'deploys after Approve-Deployment by a listed approver in a second pwsh: exit 0, the sign-off on the record, audited and notified' {
        $config = New-SignOffConfig 'approve'
        $runbook = Start-SignOffRunbook $config '1.0.1' 'approve'
        $id = Wait-SignOffRequest 'approve' $runbook
        $id | Should -Not -BeNullOrEmpty
        $requested = Get-Events 'approve' | Where-Object event -eq 'approvalRequested'
        $requested.fields.plan | Should -BeLike '*hotfix:web1*'
        $requested.text | Should -BeLike "*Approve-Deployment -Id $id*"
        @(Get-Events 'approve' | Where-Object event -eq 'deploymentStarted') | Should -BeNullOrEmpty -Because 'nothing is deployed before the sign-off'

        $approver = Invoke-Approver -Operator 'alice' -Name 'approve-alice' -Command @"
Approve-Deployment -Path '$config' -Comment 'plan reviewed' -Confirm:`$false | Select-Object DeploymentId, Gate, ApprovedBy, Denied | ConvertTo-Json -Compress
"@
        $approver.ExitCode | Should -Be 0 -Because $approver.Err
        $decision = $approver.Out | ConvertFrom-Json
        $decision.DeploymentId | Should -Be $id
        $decision.Gate | Should -Be 'sign-off'
        $decision.ApprovedBy | Should -Be 'alice'
        $decision.Denied | Should -BeFalse

        $run = Wait-Runbook $runbook $config 'approve'
        $run.ExitCode | Should -Be 0 -Because $run.Log
        $record = Get-DeploymentHistory -Path $config -Last 1
        $record.Id | Should -Be $id
        $record.Outcome | Should -Be 'Succeeded'
        $record.SignOff.Status | Should -Be 'Approved'
        $record.SignOff.By | Should -Be 'alice'
        $record.SignOff.Comment | Should -Be 'plan reviewed'
        $record.SignOff.Time | Should -BeGreaterThan $record.SignOff.Requested
        $record.User | Should -Be 'deployer'

        $events = @(Get-Events 'approve').event
        $events.IndexOf('deploymentApproved') | Should -BeLessThan $events.IndexOf('deploymentStarted')
        $events | Should -Contain 'deploymentSucceeded'
        (Get-Events 'approve' | Where-Object event -eq 'deploymentApproved').fields.approver | Should -Be 'alice'
        (Get-Events 'approve' | Where-Object event -eq 'manual').text | Should -BeLike '*signed off by alice (plan reviewed)*'
        $audit = @(Get-Content (Join-Path (Split-Path $config) 'state/audit.jsonl') | ConvertFrom-Json)
        $signOff = $audit | Where-Object { $_.action -eq 'sign-off' }
        $signOff.outcome | Should -Be 'Approved'
        $signOff.details.approvedBy | Should -Be 'alice'
        $signOff.details.comment | Should -Be 'plan reviewed'
    }

    It 'exits 3 and deploys nothing when a listed approver denies it, piping the running record into Deny-Deployment' {
        $config = New-SignOffConfig 'deny'
        $runbook = Start-SignOffRunbook $config '1.0.2' 'deny'
        $id = Wait-SignOffRequest 'deny' $runbook

        $approver = Invoke-Approver -Operator 'bob' -Name 'deny-bob' -Command @"
Get-DeploymentHistory -Path '$config' -Last 1 | Deny-Deployment -Comment 'not during the sale' -Confirm:`$false | Select-Object DeploymentId, ApprovedBy, Denied | ConvertTo-Json -Compress
"@
        $approver.ExitCode | Should -Be 0 -Because $approver.Err
        ($approver.Out | ConvertFrom-Json).Denied | Should -BeTrue
        ($approver.Out | ConvertFrom-Json).DeploymentId | Should -Be $id

        $run = Wait-Runbook $runbook $config 'deny'
        $run.ExitCode | Should -Be 3 -Because $run.Log
        $run.Log | Should -Match 'DeploymentNotApproved|was not approved'
        $record = Get-DeploymentHistory -Path $config -Last 1
        $record.Outcome | Should -Be 'Failed'
        $record.Phases | Should -BeNullOrEmpty
        $record.SignOff.Status | Should -Be 'Denied'
        $record.SignOff.By | Should -Be 'bob'
        $record.SignOff.Comment | Should -Be 'not during the sale'
        $notApproved = Get-Events 'deny' | Where-Object event -eq 'deploymentNotApproved'
        $notApproved.fields.approver | Should -Be 'bob'
        $notApproved.fields.comment | Should -Be 'not during the sale'
        @(Get-Events 'deny').event | Should -Not -Contain 'deploymentStarted'
        (Get-Deployment -Path $config).Lock | Should -BeNullOrEmpty -Because 'the lock is released'
    }

    It 'exits 3 on the timeout; meanwhile an unlisted user gets ApproverNotListed and an approver''s -WhatIf records nothing' {
        $config = New-SignOffConfig 'timeout' -Timeout '25s'
        $runbook = Start-SignOffRunbook $config '1.0.3' 'timeout'
        $id = Wait-SignOffRequest 'timeout' $runbook

        # This Pester process runs as the OS user, who is not listed.
        $err = $null
        try { Approve-Deployment -Path $config -Comment 'me too' -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'ApproverNotListed,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.TargetObject | Should -Be $id
        $err.Exception.Message | Should -BeLike '*not one of deployment.approval.approvers (alice, bob)*'

        $whatIf = Invoke-Approver -Operator 'alice' -Name 'timeout-whatif' -Command "Deny-Deployment -Path '$config' -Comment 'just looking' -WhatIf"
        $whatIf.ExitCode | Should -Be 0 -Because $whatIf.Err

        $run = Wait-Runbook $runbook $config 'timeout'
        $run.ExitCode | Should -Be 3 -Because $run.Log
        $record = Get-DeploymentHistory -Path $config -Last 1
        $record.SignOff.Status | Should -Be 'TimedOut' -Because 'the -WhatIf denial recorded nothing'
        $record.Error | Should -BeLike '*nobody of alice, bob signed it off within 25s*'
        (Get-Events 'timeout' | Where-Object event -eq 'deploymentNotApproved') | Should -Not -BeNullOrEmpty
    }

    It 'under -WhatIf shows the sign-off as the first plan step and requests nothing' {
        $config = New-SignOffConfig 'whatif'
        $plan = @(Invoke-Deployment -Path $config -Version 2.0.0 -WhatIf)
        $plan[0].Phase | Should -Be 'sign-off'
        $plan[0].Action | Should -BeLike 'Request sign-off by one of alice, bob within 3m*'
        $plan[1].Order | Should -Be 2
        Test-Path (Join-Path (Split-Path $config) 'state') | Should -BeFalse
        Get-Events 'whatif' | Should -BeNullOrEmpty
    }

    It 'Deny-Deployment: its help, a mandatory -Comment, and ApprovalNotPending when nothing waits' {
        $help = Get-Help Deny-Deployment -Full
        $help.Synopsis | Should -BeLike 'Denies what a running deployment waits on*'
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        (Get-Command Deny-Deployment).Parameters.Comment.Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).Mandatory |
            Should -Contain $true
        (Get-Command Approve-Deployment).Parameters.Reason.Aliases | Should -Contain 'Comment'
        $config = New-SignOffConfig 'idle'
        $err = $null
        try { Deny-Deployment -Path $config -Comment 'x' -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ApprovalNotPending,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
