#Requires -Version 7.4
# Sign-off before deploying with a shared PostgreSQL store (issue 15 §2): examples/signoff-deploy.ps1 runs in one
# child pwsh with configuration A (its own state directory) and waits for the sign-off; a second child pwsh with
# configuration B (another folder and state directory, the same store: another "host") approves it without -Id.
# The decision is a row of deployops_approvals and nothing goes to either state directory. Needs busybox and the
# PostgreSQL server binaries.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    . (Join-Path $PSScriptRoot 'SignOffSupport.ps1')
}

AfterAll {
    Remove-TestResources
}

Describe 'Sign-off with a shared PostgreSQL store: the approver on another host' {
    BeforeAll {
        $script:pg = Start-TestPostgres
        Invoke-TestSql $script:pg 'CREATE DATABASE deployops' | Out-Null
        $env:DEPLOYOPS_PESTER_SIGNOFF_PG = $script:pg.Password
        $script:store = @"
state:
  store: postgres
  postgres:
    host: 127.0.0.1
    port: $($script:pg.Port)
    database: deployops
    username: $($script:pg.User)
    password: `${env:DEPLOYOPS_PESTER_SIGNOFF_PG}
"@
    }

    AfterAll {
        Remove-Item Env:DEPLOYOPS_PESTER_SIGNOFF_PG -ErrorAction SilentlyContinue
    }

    It 'is approved from a second pwsh with its own copy of the configuration, and the decision is a row of deployops_approvals' {
        $configA = New-SignOffConfig 'shared' -Store $script:store -Folder 'host-a'
        $configB = New-SignOffConfig 'shared' -Store $script:store -Folder 'host-b'
        $runbook = Start-SignOffRunbook $configA '1.1.0' 'shared'
        $id = Wait-SignOffRequest 'shared' $runbook

        # Host B: no -Id (the deployment holding the shared lock), its own state directory.
        $approver = Invoke-Approver -Operator 'bob' -Name 'shared-bob' -Command @"
Approve-Deployment -Path '$configB' -Comment 'approved from host B' -Confirm:`$false | Select-Object DeploymentId, ApprovedBy | ConvertTo-Json -Compress
"@
        $approver.ExitCode | Should -Be 0 -Because $approver.Err
        ($approver.Out | ConvertFrom-Json).DeploymentId | Should -Be $id

        $run = Wait-Runbook $runbook $configA 'shared'
        $run.ExitCode | Should -Be 0 -Because $run.Log
        $record = Get-DeploymentHistory -Path $configB -Last 1
        $record.Id | Should -Be $id
        $record.SignOff.Status | Should -Be 'Approved'
        $record.SignOff.By | Should -Be 'bob'
        $record.SignOff.Comment | Should -Be 'approved from host B'
        Invoke-TestSql $script:pg "SELECT approved_by || CASE WHEN denied THEN ' denied' ELSE ' approved' END FROM deployops_approvals WHERE deployment_id = '$id' AND kind = 'approved' AND gate = 'sign-off'" -Database deployops |
            Should -Be 'bob approved'
        Invoke-TestSql $script:pg "SELECT count(*) FROM deployops_approvals WHERE deployment_id = '$id' AND kind = 'pending'" -Database deployops |
            Should -Be '0'
        foreach ($config in $configA, $configB) { Test-Path (Join-Path (Split-Path $config) 'state/approvals') | Should -BeFalse }
    }
}
