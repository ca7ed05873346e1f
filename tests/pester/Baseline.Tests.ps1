#Requires -Version 7.4
# Invoke-Deployment -RecordOnly (issue 12 §4) through the staged module: a demo app started by hand (not by DeployOps)
# runs 1.0.0 on a throwaway PostgreSQL whose migration head is 001. The baseline records it without touching it; the
# first real deployment (2.0.0, migration 002, in place) then rolls back to it, database included.
# Needs dotnet and the PostgreSQL server binaries; fails with the install command without them.

Describe 'Invoke-Deployment -RecordOnly (baseline)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:pg = Start-TestPostgres
        Invoke-TestSql $script:pg 'CREATE DATABASE app' | Out-Null
        Invoke-TestSql $script:pg "CREATE TABLE schema_migrations (version text PRIMARY KEY); INSERT INTO schema_migrations VALUES ('001');
                                   CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 50);" -Database app | Out-Null
        $env:DEPLOYOPS_PESTER_PG_PASSWORD = $script:pg.Password
        function script:Invoke-Sql([string] $Sql) { Invoke-TestSql $script:pg $Sql -Database app }

        $script:dir = New-TestDirectory 'baseline'
        New-DemoAppScript -Directory $script:dir | Out-Null   # app.sh; its pids are stopped in AfterAll
        $script:port = Get-FreePort
        # Installed by hand before DeployOps existed here: nothing in the state directory knows about it.
        & bash (Join-Path $script:dir 'app.sh') start web1 $script:port 1.0.0
        Wait-Port -Port $script:port -TimeoutSeconds 90 -LogPath (Join-Path $script:dir 'web1.out')
        $script:pidFile = Join-Path $script:dir 'web1.pid'

        function script:New-BaselineConfig([string] $Directory, [int] $Port, [int] $PgPort = $script:pg.Port, [string] $Readiness = '90s') {
            $config = Join-Path $Directory 'deployops.yaml'
            @"
application: shop
environment: baseline
postgres:
  host: 127.0.0.1
  port: $PgPort
  database: app
  username: $($script:pg.User)
  password: `${env:DEPLOYOPS_PESTER_PG_PASSWORD}
  connectTimeout: 30s
deployment:
  strategy: hotfix
  instances:
    - { name: web1, host: 127.0.0.1, port: $Port }
  readiness: { timeout: $Readiness, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {instance}" } ]
    migrate: [ { name: orders, sql: "CREATE TABLE orders (id int); INSERT INTO schema_migrations VALUES ('002')" } ]
    start: [ { name: start, command: "bash ./app.sh start {instance} {port} {version}" } ]
    smoke: [ { name: version, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@ | Set-Content $config
            $config
        }
        $script:config = New-BaselineConfig -Directory $script:dir -Port $script:port
        function script:Get-AppVersion {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ($true) {
                try { return (Invoke-RestMethod "http://127.0.0.1:$($script:port)/version" -TimeoutSec 20).version }
                catch { if ([DateTime]::UtcNow -gt $deadline) { throw }; Start-Sleep -Milliseconds 500 }
            }
        }
    }

    AfterAll {
        Remove-TestResources
        Remove-Item Env:DEPLOYOPS_PESTER_PG_PASSWORD -ErrorAction SilentlyContinue
    }

    It 'has nothing to roll back on a fresh installation' {
        { Invoke-Rollback -Path $script:config -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RollbackNothingToUndo*'
    }

    It '-WhatIf shows what would be recorded and records nothing' {
        $plan = @(Invoke-Deployment -Path $script:config -Version 1.0.0 -RecordOnly -WhatIf)
        $plan.Count | Should -Be 1
        $plan[0] | Should -BeOfType 'DeployOps.Engine.Strategies.DeploymentPlanItem'
        $plan[0].Phase | Should -Be 'baseline'
        ($plan[0].Details -join "`n") | Should -Match 'instance web1'
        ($plan[0].Details -join "`n") | Should -Match 'migration head .*: 001'
        @(Get-DeploymentHistory -Path $script:config).Count | Should -Be 0
    }

    It 'cannot be combined with -SkipPreChecks or -NoBackup' {
        { Invoke-Deployment -Path $script:config -Version 1.0.0 -RecordOnly -NoBackup -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }

    It 'records the running version, slot-less instances and migration head without touching the application' {
        $pidBefore = Get-Content $script:pidFile
        $baseline = Invoke-Deployment -Path $script:config -Version 1.0.0 -RecordOnly -Confirm:$false
        $baseline | Should -BeOfType 'DeployOps.Engine.State.DeploymentRecord'
        $baseline.IsBaseline | Should -BeTrue
        $baseline.Outcome | Should -Be 'Succeeded'
        $baseline.Version | Should -Be '1.0.0'
        $baseline.MigrationHeadBefore | Should -Be '001'
        $baseline.MigrationHeadAfter | Should -Be '001'
        $baseline.Phases.Name | Should -Be @('baseline')
        $baseline.LogPath | Should -Exist
        # Nothing ran: same process, same version, same schema, no backup taken.
        Get-Content $script:pidFile | Should -Be $pidBefore
        Get-AppVersion | Should -Be '1.0.0'
        [int](Invoke-Sql 'SELECT count(*) FROM schema_migrations') | Should -Be 1
        @(Get-DeploymentBackup -Path $script:config).Count | Should -Be 0
        (Get-Deployment -Path $script:config -Id $baseline.Id).IsBaseline | Should -BeTrue
    }

    It 'a baseline itself cannot be rolled back' {
        { Invoke-Rollback -Path $script:config -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RollbackNothingToUndo*'
        Get-AppVersion | Should -Be '1.0.0'
    }

    It 'the first real deployment after it rolls back to the baseline, database head included' {
        $release = Invoke-Deployment -Path $script:config -Version 2.0.0 -Confirm:$false
        $release.Outcome | Should -Be 'Succeeded' -Because ($release.Error ?? 'the deployment is the precondition')
        $release.PreviousVersion | Should -Be '1.0.0'
        $release.BackupId | Should -Not -BeNullOrEmpty
        $release.MigrationHeadAfter | Should -Be '002'
        Get-AppVersion | Should -Be '2.0.0'

        $result = Invoke-Rollback -Path $script:config -IncludeDatabase -Reason 'pester baseline' -Confirm:$false
        $result.Status | Should -Be 'Succeeded' -Because $result.Message
        $result.ExitCode | Should -Be 0
        $result.DeploymentId | Should -Be $release.Id
        $result.ToVersion | Should -Be '1.0.0'
        Get-AppVersion | Should -Be '1.0.0'
        $baseline = Get-DeploymentHistory -Path $script:config | Where-Object IsBaseline
        (Invoke-Sql 'SELECT max(version) FROM schema_migrations') | Should -Be $baseline.MigrationHeadAfter
        (Invoke-Sql "SELECT to_regclass('orders') IS NULL") | Should -Be 't'
        [int](Invoke-Sql 'SELECT count(*) FROM items') | Should -Be 50
        (Get-Deployment -Path $script:config -Id $release.Id).Outcome | Should -Be 'RolledBack'
    }

    It 'records nothing and says BaselineUnreadable when an instance does not answer' {
        $other = New-TestDirectory 'baseline-dead'
        $config = New-BaselineConfig -Directory $other -Port (Get-FreePort) -Readiness '1s'
        { Invoke-Deployment -Path $config -Version 1.0.0 -RecordOnly -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BaselineUnreadable*' -ExpectedMessage '*web1*does not answer*'
        @(Get-DeploymentHistory -Path $config).Count | Should -Be 0
    }

    It 'records nothing and says BaselineUnreadable when the migration head cannot be read' {
        $other = New-TestDirectory 'baseline-nodb'
        $config = New-BaselineConfig -Directory $other -Port $script:port -PgPort (Get-FreePort)
        { Invoke-Deployment -Path $config -Version 1.0.0 -RecordOnly -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BaselineUnreadable*' -ExpectedMessage '*migration head*'
        @(Get-DeploymentHistory -Path $config).Count | Should -Be 0
    }
}
