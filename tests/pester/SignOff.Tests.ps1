#Requires -Version 7.4
# Sign-off before deploying (issue 15 §2) in real pwsh against the staged module: examples/signoff-deploy.ps1 runs
# in one child pwsh (the deploying operator), waits for the sign-off it requested (approvalRequested arrives at a
# real webhook receiver), and a second child pwsh (DEPLOYOPS_OPERATOR=alice or bob) approves or denies it, with the
# file store and with a shared PostgreSQL store (the approver using another copy of the configuration: another state
# directory, another "host"). The runbook's exit codes (0 deployed, 3 not approved) and the record's SignOff, the
# audit log and the notifications are checked; -WhatIf requests nothing; an unlisted user gets ApproverNotListed.
# Needs busybox (the instance's /health) and the PostgreSQL server binaries.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:pwsh = Get-PwshPath
    $script:runbook = Join-Path (Get-RepositoryRoot) 'examples/signoff-deploy.ps1'
    $script:modules = Split-Path (Split-Path $env:DEPLOYOPS_MODULE_PATH)
    $script:dir = New-TestDirectory 'signoff'
    $script:receiver = Start-NotificationReceiver -Directory $script:dir
    $www = Join-Path $script:dir 'www'
    New-Item -ItemType Directory $www | Out-Null
    Set-Content (Join-Path $www 'health') 'ok'
    $script:app = Start-StaticHttpServer -Root $www

    # One configuration per test (its own environment, state and webhook path); -Store is a state: section.
    function script:New-SignOffConfig([string] $Name, [string] $Timeout = '3m', [string] $Store = "state:`n  directory: ./state", [string] $Folder = $Name) {
        $folder = Join-Path $script:dir $Folder
        New-Item -ItemType Directory $folder -Force | Out-Null
        $config = Join-Path $folder 'deployops.yaml'
        @"
application: shop
environment: $Name
$Store
deployment:
  strategy: hotfix
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:app.Port) }
  readiness: { timeout: 30s, interval: 200ms }
  steps:
    start: [ { name: start, command: "echo started {version}" } ]
  approval:
    required: true
    approvers: [alice, bob]
    timeout: $Timeout
notifications:
  timeout: 5s
  retries: 1
  retryDelay: 200ms
  targets:
    - { name: hook, type: webhook, url: "$($script:receiver.Url)/hook/$Name" }
"@ | Set-Content $config
        $config
    }

    # The runbook as a scheduled job starts it: its own pwsh, DeployOps found by name on PSModulePath. Not waited for.
    function script:Start-SignOffRunbook([string] $Config, [string] $Version, [string] $Name) {
        Start-TestProcess -FilePath $script:pwsh -Directory (Split-Path $Config) -Name "runbook-$Name" -ArgumentList @(
            '-NoProfile', '-NonInteractive', '-File', "`"$script:runbook`"", '-Path', "`"$Config`"", '-Version', $Version,
            '-ChangeTicket', 'CHG-1042', '-Reason', 'release') `
            -Environment @{ PSModulePath = $script:modules + [IO.Path]::PathSeparator + $env:PSModulePath; DEPLOYOPS_OPERATOR = 'deployer' }
    }

    # A second operator in a second pwsh: runs $Command with the staged module, returns its exit code and output.
    function script:Invoke-Approver([string] $Operator, [string] $Command, [string] $Name) {
        $script = Join-Path $script:dir "$Name.ps1"
        "`$ErrorActionPreference = 'Stop'`nImport-Module '$($env:DEPLOYOPS_MODULE_PATH)'`n$Command" | Set-Content $script
        $p = Start-TestProcess -FilePath $script:pwsh -Directory $script:dir -Name $Name -Environment @{ DEPLOYOPS_OPERATOR = $Operator } `
            -ArgumentList '-NoProfile', '-NonInteractive', '-File', "`"$script`""
        if (-not $p.WaitForExit(180000)) { Stop-TestProcess -Process $p; throw "$Name did not finish within 180s" }
        $p.WaitForExit()
        [pscustomobject]@{
            ExitCode = $p.ExitCode
            Out = (Get-Content (Join-Path $script:dir "$Name.out") -Raw)
            Err = (Get-Content (Join-Path $script:dir "$Name.err") -Raw)
        }
    }

    function script:Get-Events([string] $Name) {
        @(Read-NotificationReceiver $script:receiver | Where-Object { $_.kind -eq 'http' -and $_.item.Path -eq "/hook/$Name" } |
            ForEach-Object { $_.item.Body | ConvertFrom-Json })
    }

    # The deployment id once the runbook's deployment asked for sign-off.
    function script:Wait-SignOffRequest([string] $Name, [System.Diagnostics.Process] $Runbook) {
        Wait-Until -TimeoutSeconds 180 -Because "the sign-off request of $Name" -Condition {
            $Runbook.HasExited -or (Get-Events $Name | Where-Object event -eq 'approvalRequested')
        }
        if ($Runbook.HasExited) { throw "the runbook $Name exited $($Runbook.ExitCode) before asking for sign-off (see runbook-$Name.err)" }
        (Get-Events $Name | Where-Object event -eq 'approvalRequested' | Select-Object -First 1).fields.deploymentId
    }

    function script:Wait-Runbook([System.Diagnostics.Process] $Runbook, [string] $Config, [string] $Name) {
        if (-not $Runbook.WaitForExit(240000)) { Stop-TestProcess -Process $Runbook; throw "the runbook $Name did not finish within 240s" }
        $Runbook.WaitForExit()
        $folder = Split-Path $Config
        [pscustomobject]@{
            ExitCode = $Runbook.ExitCode
            Log = "stdout:`n$(Get-Content (Join-Path $folder "runbook-$Name.out") -Raw)`nstderr:`n$(Get-Content (Join-Path $folder "runbook-$Name.err") -Raw)"
        }
    }
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
