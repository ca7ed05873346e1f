#Requires -Version 7.4
# Two operators deploying to the same fleet at once through the shared PostgreSQL state store: alice and bob are two
# pwsh processes with distinct identities (DEPLOYOPS_OPERATOR), each with its own copy of deployops.yaml in its own
# folder (its own state directory). Two test hosts (namespaces with sshd and the demo app, FleetSupport.ps1). While
# alice's hotfix runs on the hosts, bob's deployment is refused with DeploymentLocked naming alice; afterwards each
# sees the other's deployments in the shared history. (Approvals from another process: SharedApprovals.Tests.ps1.)

Describe 'Two operators deploying to a fleet through the PostgreSQL store' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        . (Join-Path $PSScriptRoot 'FleetSupport.ps1')
        Import-DeployOpsUnderTest
        $script:pwsh = Get-PwshPath
        $script:pg = Start-TestPostgres
        Invoke-TestSql $script:pg 'CREATE DATABASE deployops' | Out-Null
        $env:DEPLOYOPS_PESTER_PG_PASSWORD = $script:pg.Password
        $script:dir = New-TestDirectory 'fleetops'
        $script:fleet = New-TestFleet -Count 2 -Directory $script:dir
        $script:app = New-DemoAppScript -Directory $script:dir
        $script:port = Get-FreePort
        $h = $script:fleet.Hosts
        Start-FleetApp -TestHost $h[0] -App $script:app -Instance 'app1' -Port $script:port
        Start-FleetApp -TestHost $h[1] -App $script:app -Instance 'app2' -Port $script:port
        $gates = Join-Path $script:dir 'gates'
        New-Item -ItemType Directory -Path $gates | Out-Null
        $script:gates = $gates
        $yaml = @"
application: fleetops
environment: test
state:
  store: postgres
  postgres:
    host: 127.0.0.1
    port: $($script:pg.Port)
    database: deployops
    username: $($script:pg.User)
    password: `${env:DEPLOYOPS_PESTER_PG_PASSWORD}
targets:
  h1: { address: $($h[0].Address), user: root, identityFile: $($script:fleet.ClientKey), knownHosts: $($script:fleet.KnownHosts), connectTimeout: 5s }
  h2: { address: $($h[1].Address), user: root, identityFile: $($script:fleet.ClientKey), knownHosts: $($script:fleet.KnownHosts), connectTimeout: 5s }
deployment:
  strategy: hotfix
  instances:
    - { name: app1, target: h1, port: $($script:port) }
    - { name: app2, target: h2, port: $($script:port) }
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    # A gate the test holds open: while hold-<version> exists the step waits on the host (bounded by its timeout).
    install: [ { name: hold, timeout: 3m, command: "test ! -e $gates/hold-{version} || { touch $gates/entered-{version}; while [ -e $gates/hold-{version} ]; do sleep 0.2; done; }" } ]
    stop: [ { name: stop, command: "bash $($script:app) stop {instance}" } ]
    start: [ { name: start, command: "bash $($script:app) start {instance} {port} {version} {host}" } ]
    smoke: [ { name: version, retries: 20, retryDelay: 500ms, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@
        $script:configs = @{}
        foreach ($who in 'alice', 'bob') {
            $folder = Join-Path $script:dir $who
            New-Item -ItemType Directory -Path $folder | Out-Null
            $script:configs[$who] = Join-Path $folder 'deployops.yaml'
            $yaml | Set-Content $script:configs[$who]
        }
        # Runs one command of the module as an operator, in a pwsh of its own; returns its JSON answer.
        $script:operatorScript = Join-Path $script:dir 'operator.ps1'
        @'
param([string] $ModulePath, [string] $Config, [string] $Action, [string] $Version)
Import-Module $ModulePath -ErrorAction Stop
try {
    $answer = switch ($Action) {
        'deploy' {
            $r = Invoke-Deployment -Path $Config -Version $Version -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
            @{ Id = $r.Id; Outcome = "$($r.Outcome)"; User = $r.User; Error = $r.Error }
        }
        'history' { @{ History = @(Get-DeploymentHistory -Path $Config | ForEach-Object { @{ Id = $_.Id; Version = $_.Version; User = $_.User; Outcome = "$($_.Outcome)" } }) } }
    }
}
catch { $answer = @{ ErrorId = $_.FullyQualifiedErrorId; Message = $_.Exception.Message } }
$answer | ConvertTo-Json -Depth 5 -Compress
'@ | Set-Content $script:operatorScript
        function script:Invoke-AsOperator([string] $Who, [string] $Action, [string] $Version = '') {
            $env:DEPLOYOPS_OPERATOR = $Who
            try { $out = & $script:pwsh -NoProfile -NonInteractive -File $script:operatorScript $env:DEPLOYOPS_MODULE_PATH $script:configs[$Who] $Action $Version }
            finally { Remove-Item Env:DEPLOYOPS_OPERATOR -ErrorAction SilentlyContinue }
            ($out | Select-Object -Last 1) | ConvertFrom-Json
        }
        function script:Get-HostVersion([int] $Index) {
            try { (Invoke-RestMethod "http://$($h[$Index].Address):$($script:port)/version" -TimeoutSec 10).version } catch { 'down' }
        }
    }

    AfterAll {
        Remove-TestResources
        Remove-Item Env:DEPLOYOPS_PESTER_PG_PASSWORD -ErrorAction SilentlyContinue
    }

    It 'refuses bob with DeploymentLocked naming alice while her deployment runs on the hosts, then both see both in the history' {
        New-Item -ItemType File -Path (Join-Path $script:gates 'hold-2.0.0') | Out-Null
        $aliceOut = Join-Path $script:dir 'alice.json'
        $alice = Start-TestProcess -FilePath $script:pwsh -Directory $script:dir -Name 'alice' -Environment @{ DEPLOYOPS_OPERATOR = 'alice' } `
            -ArgumentList '-NoProfile', '-NonInteractive', '-File', $script:operatorScript, $env:DEPLOYOPS_MODULE_PATH, $script:configs['alice'], 'deploy', '2.0.0'
        try {
            Wait-Until -TimeoutSeconds 180 -Because "alice's deployment to reach its held step on h1" -Condition {
                if ($alice.HasExited) { throw "alice's deployment ended early: $(Get-Content (Join-Path $script:dir 'alice.out') -Raw) $(Get-Content (Join-Path $script:dir 'alice.err') -Raw)" }
                Test-Path (Join-Path $script:gates 'entered-2.0.0')
            }
            $refused = Invoke-AsOperator bob deploy 2.1.0
            $refused.ErrorId | Should -BeLike 'DeploymentLocked*'
            $refused.Message | Should -Match 'fleetops/test is locked by deployment \S+ by alice@'
        }
        finally { Remove-Item (Join-Path $script:gates 'hold-2.0.0') -ErrorAction SilentlyContinue }
        Wait-Until -TimeoutSeconds 180 -Because "alice's deployment to finish" -Condition { $alice.HasExited }
        $first = Get-Content (Join-Path $script:dir 'alice.out') -Raw | ConvertFrom-Json
        $first.Outcome | Should -Be 'Succeeded' -Because $first.Error
        $first.User | Should -Be 'alice'
        0..1 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('2.0.0', '2.0.0')

        $second = Invoke-AsOperator bob deploy 2.1.0
        $second.Outcome | Should -Be 'Succeeded' -Because "$($second.Error) $($second.Message)"
        $second.User | Should -Be 'bob'
        0..1 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('2.1.0', '2.1.0')

        foreach ($who in 'alice', 'bob') {
            $history = (Invoke-AsOperator $who history).History
            ($history | Where-Object Id -eq $first.Id).User | Should -Be 'alice' -Because "$who reads the shared history"
            ($history | Where-Object Id -eq $second.Id).User | Should -Be 'bob' -Because "$who reads the shared history"
            ($history | Where-Object Id -eq $second.Id).Outcome | Should -Be 'Succeeded'
        }
        # Nothing was journaled into either operator's own state directory.
        Test-Path (Join-Path $script:dir 'alice/.deployops/deployments') | Should -BeFalse
        Test-Path (Join-Path $script:dir 'bob/.deployops/deployments') | Should -BeFalse
    }
}
