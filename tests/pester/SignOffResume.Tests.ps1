#Requires -Version 7.4
# Resume-Deployment and the sign-off (issue 15 §2) in real pwsh against the staged module: examples/signoff-deploy.ps1
# runs in a child pwsh and is killed with kill -9 (a) while it waits for sign-off, (b) after the sign-off was given,
# inside its held start step. (a) an approval or denial given by a listed approver in another pwsh while nobody waited
# decides the resumed deployment (no second request); (b) the resumed deployment does not ask again. Helpers:
# SignOffSupport.ps1 (webhook receiver, approver pwsh). Needs busybox (the instance's /health).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    . (Join-Path $PSScriptRoot 'SignOffSupport.ps1')

    function script:Stop-Hard([System.Diagnostics.Process] $Process) {
        & kill -9 $Process.Id
        $Process.WaitForExit(10000) | Out-Null
    }

    function script:Get-Requests([string] $Name) { @(Get-Events $Name | Where-Object event -eq 'approvalRequested') }
}

AfterAll {
    Remove-TestResources
}

Describe 'Resume-Deployment of a deployment that needs sign-off' {
    It '(a) killed while waiting: an approval given while nobody waited counts, nothing is asked again' {
        $config = New-SignOffConfig 'resume-approve'
        $runbook = Start-SignOffRunbook $config '1.1.0' 'resume-approve'
        $id = Wait-SignOffRequest 'resume-approve' $runbook
        Stop-Hard $runbook
        (Get-Deployment -Path $config -Id $id).Outcome | Should -Be 'Interrupted'
        (Get-Deployment -Path $config -Id $id).SignOff.Status | Should -Be 'Pending'

        $approver = Invoke-Approver -Operator 'alice' -Name 'resume-approve-alice' -Command @"
Approve-Deployment -Path '$config' -Id $id -Comment 'approved while it was down' -Confirm:`$false | Out-Null
"@
        $approver.ExitCode | Should -Be 0 -Because $approver.Err

        $record = Resume-Deployment -Path $config -Id $id -Confirm:$false
        $record.Id | Should -Be $id
        $record.Outcome | Should -Be 'Succeeded' -Because $record.Error
        $record.SignOff.Status | Should -Be 'Approved'
        $record.SignOff.By | Should -Be 'alice'
        $record.SignOff.Comment | Should -Be 'approved while it was down'
        (Get-Requests 'resume-approve').Count | Should -Be 1 -Because 'the approval on file answered the first request'
        @(Get-Events 'resume-approve').event | Should -Contain 'deploymentApproved'
        @(Get-Events 'resume-approve').event | Should -Contain 'deploymentSucceeded'
    }

    It '(a) killed while waiting: a denial given meanwhile stops Resume-Deployment with DeploymentNotApproved' {
        $config = New-SignOffConfig 'resume-deny'
        $runbook = Start-SignOffRunbook $config '1.2.0' 'resume-deny'
        $id = Wait-SignOffRequest 'resume-deny' $runbook
        Stop-Hard $runbook
        $approver = Invoke-Approver -Operator 'bob' -Name 'resume-deny-bob' -Command @"
Deny-Deployment -Path '$config' -Id $id -Comment 'not during the sale' -Confirm:`$false | Out-Null
"@
        $approver.ExitCode | Should -Be 0 -Because $approver.Err

        $record = Resume-Deployment -Path $config -Id $id -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'DeploymentNotApproved*'
        $refused[0].Exception.Message | Should -BeLike '*bob denied the sign-off while the deployment was stopped: not during the sale*Nothing was deployed.*'
        $record.Outcome | Should -Be 'Failed'
        $record.Phases | Should -BeNullOrEmpty
        $record.SignOff.Status | Should -Be 'Denied'
        (Get-Requests 'resume-deny').Count | Should -Be 1
        @(Get-Events 'resume-deny').event | Should -Contain 'deploymentNotApproved'
        @(Get-Events 'resume-deny').event | Should -Not -Contain 'deploymentStarted'
        (Get-Deployment -Path $config).Activity | Should -Be 'Idle'
    }

    It '(a) killed while waiting with no decision: Resume-Deployment asks again and waits for it' {
        $config = New-SignOffConfig 'resume-ask'
        $runbook = Start-SignOffRunbook $config '1.3.0' 'resume-ask'
        $id = Wait-SignOffRequest 'resume-ask' $runbook
        Stop-Hard $runbook
        $folder = Split-Path $config
        $resume = Start-TestProcess -FilePath $script:pwsh -Directory $folder -Name 'resume-ask-resume' -ArgumentList @(
            '-NoProfile', '-NonInteractive', '-Command',
            "`"Import-Module '$($env:DEPLOYOPS_MODULE_PATH)'; `$r = Resume-Deployment -Path '$config' -Id $id -Confirm:`$false; exit ([int](`$r.Outcome -ne 'Succeeded'))`"")
        Wait-Until -TimeoutSeconds 180 -Because 'the resumed deployment asks for sign-off again' -Condition {
            if ($resume.HasExited) { throw "Resume-Deployment exited $($resume.ExitCode) without asking (see $folder/resume-ask-resume.err)" }
            (Get-Requests 'resume-ask').Count -ge 2
        }
        (Get-Deployment -Path $config -Id $id).SignOff.Status | Should -Be 'Pending'
        $approver = Invoke-Approver -Operator 'bob' -Name 'resume-ask-bob' -Command @"
Approve-Deployment -Path '$config' -Comment 'second request' -Confirm:`$false | Out-Null
"@
        $approver.ExitCode | Should -Be 0 -Because $approver.Err
        if (-not $resume.WaitForExit(180000)) { Stop-TestProcess -Process $resume; throw 'Resume-Deployment did not finish within 180s' }
        $resume.WaitForExit()
        $resume.ExitCode | Should -Be 0 -Because (Get-Content (Join-Path $folder 'resume-ask-resume.err') -Raw)
        $record = Get-Deployment -Path $config -Id $id
        $record.Outcome | Should -Be 'Succeeded'
        $record.SignOff.By | Should -Be 'bob'
        $record.SignOff.Comment | Should -Be 'second request'
    }

    It '(b) killed after the sign-off was given: Resume-Deployment does not ask again' {
        $config = New-SignOffConfig 'resume-signed'
        $folder = Split-Path $config
        # The start step holds (marker files) so the deployment can be killed after its sign-off, mid-phase.
        (Get-Content $config -Raw).Replace('command: "echo started {version}"',
            'command: "touch holding; while [ -f hold ]; do sleep 0.2; done; echo started {version}"') | Set-Content $config
        New-Item (Join-Path $folder 'hold') -ItemType File | Out-Null
        $runbook = Start-SignOffRunbook $config '1.4.0' 'resume-signed'
        $id = Wait-SignOffRequest 'resume-signed' $runbook
        $approver = Invoke-Approver -Operator 'alice' -Name 'resume-signed-alice' -Command @"
Approve-Deployment -Path '$config' -Comment 'go' -Confirm:`$false | Out-Null
"@
        $approver.ExitCode | Should -Be 0 -Because $approver.Err
        Wait-Until -TimeoutSeconds 180 -Because 'the deployment reached its held start step' -Condition {
            if ($runbook.HasExited) { throw "the runbook exited $($runbook.ExitCode) before its start step (see $folder/runbook-resume-signed.err)" }
            Test-Path (Join-Path $folder 'holding')
        }
        Stop-Hard $runbook
        $crashed = Get-Deployment -Path $config -Id $id
        $crashed.Outcome | Should -Be 'Interrupted'
        $crashed.SignOff.Status | Should -Be 'Approved'
        Remove-Item (Join-Path $folder 'hold')

        $record = Resume-Deployment -Path $config -Id $id -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded' -Because $record.Error
        $record.SignOff.By | Should -Be 'alice'
        $record.SignOff.Time | Should -Be $crashed.SignOff.Time
        (Get-Requests 'resume-signed').Count | Should -Be 1 -Because 'the sign-off is on the record'
        @(Get-Events 'resume-signed' | Where-Object event -eq 'deploymentApproved').Count | Should -Be 1
    }
}
