#Requires -Version 7.4
# Canary approvals in the shared store (issue 12 §5): with state.store: postgres a canary whose gate is inconclusive
# waits for an approval kept in deployops_approvals, so Approve-Deployment works from another host. Here the
# deployment runs in one child pwsh (configuration A, its own state directory) and the approval comes from a second
# child pwsh with configuration B (another folder, another state directory, the same PostgreSQL store), through a
# private nginx in front of two demo-app slots. Needs nginx, dotnet and the PostgreSQL server binaries.

Describe 'Approve-Deployment with a shared PostgreSQL store' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:pwsh = Get-PwshPath
        $script:pg = Start-TestPostgres
        Invoke-TestSql $script:pg 'CREATE DATABASE deployops' | Out-Null
        $env:DEPLOYOPS_PESTER_PG_PASSWORD = $script:pg.Password

        $script:dir = New-TestDirectory 'approvals'
        $script:hostA = Join-Path $script:dir 'host-a'; $script:hostB = Join-Path $script:dir 'host-b'
        New-Item -ItemType Directory -Path $script:hostA, $script:hostB | Out-Null
        New-DemoAppScript -Directory $script:hostA | Out-Null   # app.sh, called by host A's steps; pids stopped in AfterAll
        $prefix = Join-Path $script:dir 'nginx'
        New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d') -Force | Out-Null
        $bluePort = Get-FreePort; $greenPort = Get-FreePort
        @"
# deployops-backends: [{"name":"blue","host":"127.0.0.1","port":$bluePort,"weight":100},{"name":"green","host":"127.0.0.1","port":$greenPort,"weight":0}]
upstream app {
    server 127.0.0.1:$bluePort weight=100;
    server 127.0.0.1:$greenPort down;
}
"@ | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
        & bash (Join-Path $script:hostA 'app.sh') start blue $bluePort 1.0.0
        Wait-Port -Port $bluePort -TimeoutSeconds 90 -LogPath (Join-Path $script:hostA 'blue.out')
        $proxy = Start-TestNginx -Prefix $prefix
        # The same deployops.yaml on both hosts; each keeps its state directory (.deployops) next to its copy.
        $yaml = @"
application: shop
environment: shared
state:
  store: postgres
  postgres:
    host: 127.0.0.1
    port: $($script:pg.Port)
    database: deployops
    username: $($script:pg.User)
    password: `${env:DEPLOYOPS_PESTER_PG_PASSWORD}
deployment:
  slots:
    blue: { host: 127.0.0.1, port: $bluePort }
    green: { host: 127.0.0.1, port: $greenPort }
  traffic:
    upstreamFile: $prefix/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($proxy.Nginx)
    nginxArguments: "-p $prefix/ -c $($proxy.Conf)"
    probeUrl: http://127.0.0.1:$($proxy.Port)/version
  readiness: { timeout: 90s, interval: 200ms }
  canary:
    steps: [50]
    pause: 200ms
    # Far more requests than this test sends: the gate is inconclusive and waits for an approval.
    gate: { use: healthEndpoint, sampleInterval: 100ms, minRequests: 1000000 }
    onInconclusive: wait
    approvalTimeout: 3m
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {slot}" } ]
    start: [ { name: start, command: "bash ./app.sh start {slot} {port} {version}" } ]
"@
        $script:configA = Join-Path $script:hostA 'deployops.yaml'; $yaml | Set-Content $script:configA
        $script:configB = Join-Path $script:hostB 'deployops.yaml'; $yaml | Set-Content $script:configB
        $script:proxyUrl = "http://127.0.0.1:$($proxy.Port)/version"
        # Pending gates in the shared store (0 before the table exists: it is created on first use).
        function script:Get-PendingCount {
            if ((Invoke-TestSql $script:pg "SELECT to_regclass('deployops_approvals') IS NULL" -Database deployops) -eq 't') { return 0 }
            [int](Invoke-TestSql $script:pg "SELECT count(*) FROM deployops_approvals WHERE kind = 'pending'" -Database deployops)
        }
    }

    AfterAll {
        Remove-TestResources
        Remove-Item Env:DEPLOYOPS_PESTER_PG_PASSWORD -ErrorAction SilentlyContinue
    }

    It 'a canary waiting on host A is approved from host B, and nothing is written to either state directory' {
        $out = Join-Path $script:dir 'deployment.json'
        $deploy = Join-Path $script:dir 'deploy.ps1'
        @'
param([string] $ModulePath, [string] $Config, [string] $Out)
Import-Module $ModulePath -ErrorAction Stop
$r = Invoke-Deployment -Path $Config -Version 2.0.0 -Strategy Canary -Confirm:$false -WarningAction SilentlyContinue
[pscustomobject]@{ Id = $r.Id; Outcome = "$($r.Outcome)"; Error = $r.Error; Gate = ($r.Phases | Where-Object Name -eq 'gate:50%').Detail } |
    ConvertTo-Json | Set-Content $Out
'@ | Set-Content $deploy
        $deployer = Start-TestProcess -FilePath $script:pwsh -Directory $script:hostA -Name 'deployer' `
            -ArgumentList '-NoProfile', '-NonInteractive', '-File', $deploy, $env:DEPLOYOPS_MODULE_PATH, $script:configA, $out

        # The pending gate is a row in the shared store (not a file on host A).
        Wait-Until -TimeoutSeconds 240 -Because 'the canary gate to wait for an approval' -Condition {
            if ($deployer.HasExited) { throw "the deployment ended before its gate waited: $(Get-Content (Join-Path $script:hostA 'deployer.err') -Raw)" }
            (Get-PendingCount) -eq 1
        }
        Test-Path (Join-Path $script:hostA '.deployops/approvals') | Should -BeFalse

        # Host B: another pwsh, another folder and state directory; no -Id (the shared lock names the deployment).
        $approve = "Import-Module '$($env:DEPLOYOPS_MODULE_PATH)' -ErrorAction Stop; " +
            "`$a = Approve-Deployment -Path '$($script:configB)' -Reason 'dashboards look fine' -Confirm:`$false -ErrorAction Stop; " +
            "`$a | Select-Object DeploymentId, Gate, ApprovedBy, Reason | ConvertTo-Json -Compress"
        $answer = & $script:pwsh -NoProfile -NonInteractive -Command $approve
        $LASTEXITCODE | Should -Be 0 -Because "Approve-Deployment on host B said: $answer"
        $approval = $answer | ConvertFrom-Json
        $approval.Gate | Should -Be 'gate:50%'
        $approval.Reason | Should -Be 'dashboards look fine'

        Wait-Until -TimeoutSeconds 240 -Because 'the approved deployment to finish' -Condition { $deployer.HasExited }
        $record = Get-Content $out -Raw | ConvertFrom-Json
        $record.Id | Should -Be $approval.DeploymentId
        $record.Outcome | Should -Be 'Succeeded' -Because $record.Error
        $record.Gate | Should -Match 'approved by'
        (Invoke-RestMethod $script:proxyUrl -TimeoutSec 20).version | Should -Be '2.0.0'
        # Both hosts read the same history, approval and all; neither has an approvals folder.
        (Get-Deployment -Path $script:configB -Id $record.Id).Outcome | Should -Be 'Succeeded'
        Get-PendingCount | Should -Be 0
        Test-Path (Join-Path $script:hostA '.deployops/approvals') | Should -BeFalse
        Test-Path (Join-Path $script:hostB '.deployops/approvals') | Should -BeFalse
    }

    It 'approving when no gate waits is ApprovalNotPending naming the shared store' {
        { Approve-Deployment -Path $script:configB -Id 'no-such-deployment' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ApprovalNotPending*' -ExpectedMessage '*deployops_approvals*'
    }
}
