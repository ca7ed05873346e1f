#Requires -Version 7.4
# Recovery as users see it: the demo app deployed in place (one instance) behind a private nginx with the maintenance
# include file, PostgreSQL for the migration and the backups, deployment.maintenance on. A poller samples what users
# get through nginx every ~50 ms during each scenario — in-place deploy, failed deploy, rollback, failed rollback and
# its recovery, kill -9 mid-deploy + Resume, kill -9 mid-deploy + Invoke-Rollback -IncludeDatabase, killed rollback +
# Invoke-Rollback — and every response must be the app (200) or the maintenance page (503), never a 502/504.
# The scenarios run in order on one application (each starts where the previous one left it). Markers in the app
# folder steer the steps: fail-start-<version> makes the start step fail after the old version was stopped,
# hold-<version> holds the build step (so a child pwsh can be killed mid-deploy), precheck-fails fails the pre-checks.
# Set DEPLOYOPS_RECOVERY_COUNTS to a file path to get the status counts per scenario as JSON.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:dir = New-TestDirectory 'recovery'
    New-DemoAppScript -Directory $script:dir | Out-Null
    $script:pg = Start-TestPostgres
    Invoke-TestSql $script:pg 'CREATE DATABASE app' | Out-Null
    Invoke-TestSql $script:pg -Database app "CREATE TABLE schema_migrations (version text PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101000000');
        CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;" | Out-Null
    $env:DEPLOYOPS_RECOVERY_PG_PASSWORD = $script:pg.Password

    $prefix = Join-Path $script:dir 'nginx'
    New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d') -Force | Out-Null
    $script:port = Get-FreePort
    "upstream app { server 127.0.0.1:$($script:port); }" | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
    $maintenanceInclude = Join-Path $prefix 'maintenance.conf'
    '# maintenance: off' | Set-Content $maintenanceInclude
    $script:proxy = Start-TestNginx -Prefix $prefix -ServerInclude $maintenanceInclude
    $script:url = "http://127.0.0.1:$($script:proxy.Port)/version"

    $script:config = Join-Path $script:dir 'deployops.yaml'
    (@'
application: shop
environment: recovery
postgres:
  host: 127.0.0.1
  port: {{PGPORT}}
  database: app
  username: {{PGUSER}}
  password: ${env:DEPLOYOPS_RECOVERY_PG_PASSWORD}
  connectTimeout: 30s
checks:
  - { name: gate, kind: command, command: "test ! -f ./precheck-fails" }
maintenance:
  nginx:
    includeFile: {{INCLUDE}}
    binary: {{NGINX}}
    arguments: "-p {{PREFIX}}/ -c {{CONF}}"
  drain: { url: "http://127.0.0.1:{{PORT}}/health", field: active_connections, threshold: 2, interval: 100ms, timeout: 30s }
deployment:
  maintenance: true
  instances:
    - { name: web1, host: 127.0.0.1, port: {{PORT}} }
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop:
      - { name: stop, command: "bash ./app.sh stop web1" }
    migrate:
      - name: add widgets
        sql: "DO $$ BEGIN IF '{version}' LIKE '%-migrating' THEN CREATE TABLE widgets (id int PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20250101000000'); END IF; END $$"
    build:
      - { name: hold, command: "while [ -f ./hold-{version} ]; do touch ./holding-{version}; sleep 0.2; done" }
    start:
      - { name: refuse, command: "test ! -f ./fail-start-{version}" }
      - { name: start, command: "bash ./app.sh start web1 {port} {version}" }
'@).Replace('{{PGPORT}}', $script:pg.Port).Replace('{{PGUSER}}', $script:pg.User).Replace('{{INCLUDE}}', $maintenanceInclude).
        Replace('{{NGINX}}', $script:proxy.Nginx).Replace('{{PREFIX}}', $prefix).Replace('{{CONF}}', $script:proxy.Conf).
        Replace('{{PORT}}', $script:port) | Set-Content $script:config

    $script:counts = [ordered]@{}

    # Samples GET /version through nginx every ~50 ms on a thread; 0 = no HTTP answer at all. Each sample is a new
    # connection, as a new visitor's is: a reload closing an idle keep-alive connection under a request is nginx's own
    # reload race (issue 13 §6, measured by the router bench), not what these scenarios judge.
    function script:Start-Poller {
        $state = [hashtable]::Synchronized(@{ Stop = $false; Codes = [System.Collections.Concurrent.ConcurrentQueue[int]]::new() })
        $job = Start-ThreadJob -ArgumentList $script:url, $state -ScriptBlock {
            param($url, $state)
            $client = [System.Net.Http.HttpClient]::new()
            $client.Timeout = [TimeSpan]::FromSeconds(10)
            $client.DefaultRequestHeaders.ConnectionClose = $true
            while (-not $state.Stop) {
                try {
                    $response = $client.GetAsync($url).GetAwaiter().GetResult()
                    $state.Codes.Enqueue([int]$response.StatusCode)
                    $response.Dispose()
                }
                catch { $state.Codes.Enqueue(0) }
                Start-Sleep -Milliseconds 50
            }
            $client.Dispose()
        }
        [pscustomobject]@{ Job = $job; State = $state }
    }

    # Stops the poller after a last second of samples (users after the command returned) and records the counts.
    function script:Stop-Poller($Poller, [string] $Scenario) {
        Start-Sleep -Milliseconds 1000
        $Poller.State.Stop = $true
        Wait-Job $Poller.Job -Timeout 30 | Out-Null
        Remove-Job $Poller.Job -Force
        $byStatus = [ordered]@{}
        foreach ($group in @($Poller.State.Codes.ToArray()) | Group-Object | Sort-Object Name) { $byStatus["$($group.Name)"] = $group.Count }
        $script:counts[$Scenario] = $byStatus
        Write-Host ("  {0}: {1}" -f $Scenario, (($byStatus.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ' '))
        $byStatus
    }

    # Runs $Action while the poller samples; the counts are recorded also when the action throws (an assertion failed).
    function script:Watch-Users([string] $Scenario, [scriptblock] $Action) {
        $poller = Start-Poller
        try { & $Action }
        finally { $script:seen = Stop-Poller $poller $Scenario }
    }

    # Never a 502/504 (or no answer): only the app or the maintenance page.
    function script:Assert-NoErrorPage($ByStatus, [string] $Scenario) {
        $bad = @($ByStatus.Keys | Where-Object { $_ -notin '200', '503' })
        $bad | Should -BeNullOrEmpty -Because "users must see the app or the maintenance page during $Scenario ($(($ByStatus.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ' '))"
        $ByStatus['503'] | Should -BeGreaterThan 0 -Because "$Scenario runs under maintenance"
    }

    # A DeployOps command in a child pwsh (to be killed with -9); returns the Process.
    function script:Start-Child([string] $Command, [string] $Name) {
        $text = "Import-Module '$($env:DEPLOYOPS_MODULE_PATH)'; $Command"
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($text))
        Start-TestProcess -FilePath (Get-PwshPath) -ArgumentList '-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded -Directory $script:dir -Name $Name
    }

    function script:Stop-ChildHard($Process, [string] $Marker) {
        Wait-Until -TimeoutSeconds 180 -Because "$Marker (the child reached the held step)" -Condition {
            if ($Process.HasExited) { throw "the child exited $($Process.ExitCode) before ${Marker} (its output: $($script:dir)/*.out, *.err)" }
            Test-Path (Join-Path $script:dir $Marker)
        }
        & kill -9 $Process.Id
        $Process.WaitForExit(10000) | Out-Null
    }

    function script:Marker([string] $Name) { Join-Path $script:dir $Name }
    function script:Get-LiveVersion { (Invoke-RestMethod $script:url -TimeoutSec 20).version }
    function script:Test-MaintenanceOn { (Get-MaintenanceMode -Path $script:config).IsOn }

    # 1.0.0 runs before DeployOps first deploys it (the drain reads its /health), then is deployed once as the baseline.
    & bash (Join-Path $script:dir 'app.sh') start web1 $script:port 1.0.0
    Wait-Port -Port $script:port -TimeoutSeconds 90 -LogPath (Join-Path $script:dir 'web1.out')
    (Invoke-Deployment -Path $script:config -Version 1.0.0 -Strategy Hotfix -Confirm:$false).Outcome | Should -Be 'Succeeded' -Because 'the first deployment is the precondition'
}

AfterAll {
    if ($env:DEPLOYOPS_RECOVERY_COUNTS -and $script:counts) { $script:counts | ConvertTo-Json | Set-Content $env:DEPLOYOPS_RECOVERY_COUNTS }
    Remove-TestResources
    Remove-Item Env:DEPLOYOPS_RECOVERY_PG_PASSWORD -ErrorAction SilentlyContinue
}

Describe 'Recovery keeps users on the app or the maintenance page' {
    It '(a) an in-place deployment' {
        $r = @{}
        Watch-Users 'a in-place deploy' { $r.record = Invoke-Deployment -Path $script:config -Version 2.0.0 -Strategy Hotfix -Confirm:$false }
        $r.record.Outcome | Should -Be 'Succeeded'
        Assert-NoErrorPage $script:seen 'the deployment'
        Get-LiveVersion | Should -Be '2.0.0'
    }

    It '(c) a rollback enters maintenance and leaves it once the old version is verified' {
        $r = @{}
        Watch-Users 'c rollback' { $r.result = Invoke-Rollback -Path $script:config -Confirm:$false -Reason 'pester' }
        $r.result.Status | Should -Be 'Succeeded' -Because $r.result.Message
        $r.result.MaintenanceLeftOn | Should -BeFalse
        Assert-NoErrorPage $script:seen 'the rollback'
        Test-MaintenanceOn | Should -BeFalse
        Get-LiveVersion | Should -Be '1.0.0'
        (Get-Deployment -Path $script:config -Id $r.result.DeploymentId).Phases.Name | Should -Contain 'rollback:maintenance'
    }

    It '(b) a failed deployment keeps the page while the app is down; the rollback takes the window over' {
        New-Item (Marker 'fail-start-2.1.0') -ItemType File | Out-Null
        $r = @{}
        Watch-Users 'b failed deploy + rollback' {
            $r.record = Invoke-Deployment -Path $script:config -Version 2.1.0 -Strategy Hotfix -Confirm:$false -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
            $r.warnings = $warnings -join "`n"
            $r.onAfterFailure = Test-MaintenanceOn
            Start-Sleep -Seconds 2   # users keep coming while the admin reads the error
            $r.result = Invoke-Rollback -Path $script:config -Confirm:$false
        }
        $r.record.Outcome | Should -Be 'Failed'
        $r.record.Fields['maintenanceLeftOn'] | Should -Be 'true'
        $r.warnings | Should -Match 'maintenance stays ON \(the application is not serving'
        $r.onAfterFailure | Should -BeTrue
        $r.result.Status | Should -Be 'Succeeded' -Because $r.result.Message
        $r.result.DeploymentId | Should -Be $r.record.Id
        Assert-NoErrorPage $script:seen 'the failed deployment and its rollback'
        Test-MaintenanceOn | Should -BeFalse
        Get-LiveVersion | Should -Be '1.0.0'
    }

    It '(d) a failed rollback stays in maintenance and says so; the next rollback recovers' {
        (Invoke-Deployment -Path $script:config -Version 2.2.0 -Strategy Hotfix -Confirm:$false).Outcome | Should -Be 'Succeeded'
        New-Item (Marker 'fail-start-1.0.0') -ItemType File | Out-Null
        $r = @{}
        Watch-Users 'd failed rollback + recovering rollback' {
            $r.failed = Invoke-Rollback -Path $script:config -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $r.onAfterFailure = Test-MaintenanceOn
            Start-Sleep -Seconds 2
            Remove-Item (Marker 'fail-start-1.0.0')
            $r.recovered = Invoke-Rollback -Path $script:config -Confirm:$false -ErrorAction SilentlyContinue
        }
        $r.failed.ExitCode | Should -Be 2
        $r.failed.MaintenanceLeftOn | Should -BeTrue
        $r.failed.Message | Should -Match 'Maintenance stays ON'
        $r.onAfterFailure | Should -BeTrue
        $r.recovered.Status | Should -Be 'Succeeded' -Because $r.recovered.Message
        $r.recovered.DeploymentId | Should -Be $r.failed.DeploymentId
        Assert-NoErrorPage $script:seen 'the failed rollback and the recovering one'
        Test-MaintenanceOn | Should -BeFalse
        Get-LiveVersion | Should -Be '1.0.0'
    }

    It '(e) kill -9 mid-deploy: the lock refusal is non-terminating, new deployments are blocked, Resume finishes it' {
        New-Item (Marker 'hold-2.3.0') -ItemType File | Out-Null
        $r = @{}
        Watch-Users 'e kill -9 mid-deploy + Resume-Deployment' {
            $child = Start-Child "Invoke-Deployment -Path '$($script:config)' -Version 2.3.0 -Strategy Hotfix -Confirm:`$false" 'deploy-2.3.0'
            Wait-Until -TimeoutSeconds 180 -Because 'the child deployment holds its build step' -Condition { Test-Path (Marker 'holding-2.3.0') }
            # While it runs: DeploymentLocked is a non-terminating error, no record, and the script goes on.
            $r.locked = Invoke-Deployment -Path $script:config -Version 9.9.9 -Strategy Hotfix -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable lockErrors
            $r.wentOn = $true
            $r.lockErrors = @($lockErrors)
            Stop-ChildHard $child 'holding-2.3.0'
            $r.crashed = Get-DeploymentHistory -Path $script:config -Last 1
            $r.blocked = Invoke-Deployment -Path $script:config -Version 3.0.0 -Strategy Hotfix -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable blockErrors
            $r.blockErrors = @($blockErrors)
            $r.onWhileBlocked = Test-MaintenanceOn
            Remove-Item (Marker 'hold-2.3.0')
            $r.resumed = Resume-Deployment -Path $script:config -Confirm:$false -ErrorAction SilentlyContinue
        }
        $r.locked | Should -BeNullOrEmpty
        $r.lockErrors[0].FullyQualifiedErrorId | Should -BeLike 'DeploymentLocked*'
        $r.wentOn | Should -BeTrue
        $r.crashed.Outcome | Should -Be 'Interrupted'
        $r.blocked | Should -BeNullOrEmpty
        $r.blockErrors[0].FullyQualifiedErrorId | Should -BeLike 'InterruptedDeploymentPending*'
        $r.blockErrors[0].Exception.Message | Should -Match 'Resume-Deployment -Id \S+ .*Invoke-Rollback -DeploymentId'
        $r.onWhileBlocked | Should -BeTrue
        $r.resumed.Outcome | Should -Be 'Succeeded'
        $r.resumed.Id | Should -Be $r.crashed.Id
        Assert-NoErrorPage $script:seen 'the crash and the resume'
        Test-MaintenanceOn | Should -BeFalse
        Get-LiveVersion | Should -Be '2.3.0'
    }

    It '(f) kill -9 after the migration: Invoke-Rollback -IncludeDatabase undoes the crashed deployment, database first, under its window' {
        New-Item (Marker 'hold-3.0.0-migrating') -ItemType File | Out-Null
        # -Force exists from this change on; the suite also runs against older modules for the before/after counts.
        $force = if ((Get-Command Invoke-Deployment).Parameters.ContainsKey('Force')) { @{ Force = $true } } else { @{} }
        $r = @{}
        Watch-Users 'f kill -9 mid-deploy + Invoke-Rollback -IncludeDatabase' {
            $child = Start-Child "Invoke-Deployment -Path '$($script:config)' -Version 3.0.0-migrating -Strategy Hotfix -Confirm:`$false" 'deploy-3.0.0'
            Stop-ChildHard $child 'holding-3.0.0-migrating'
            $r.crashed = Get-DeploymentHistory -Path $script:config -Last 1
            $r.migrated = Invoke-TestSql $script:pg -Database app "SELECT to_regclass('widgets') IS NOT NULL"
            # A later attempt that stops in its pre-checks (forced past the block) changes nothing and is passed over.
            New-Item (Marker 'precheck-fails') -ItemType File | Out-Null
            $r.attempt = Invoke-Deployment -Path $script:config -Version 3.0.1 -Strategy Hotfix @force -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            Remove-Item (Marker 'precheck-fails')
            $r.plan = Invoke-Rollback -Path $script:config -IncludeDatabase -WhatIf -WarningVariable chosen -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
            $r.chosen = $chosen -join "`n"
            Remove-Item (Marker 'hold-3.0.0-migrating')
            $r.result = Invoke-Rollback -Path $script:config -IncludeDatabase -Confirm:$false -ErrorAction SilentlyContinue
        }
        $r.crashed.Outcome | Should -Be 'Interrupted'
        $r.migrated | Should -Be 't'
        $r.attempt.Outcome | Should -Be 'Failed'
        $r.plan.Phase | Should -Be @('rollback:collect', 'rollback:maintenance', 'rollback:backup', 'rollback:database', 'rollback:redeploy:web1', 'rollback:verify')
        $r.chosen | Should -Match "Rolling back $($r.crashed.Id) .*passed over: $($r.attempt.Id) \(3\.0\.1, Failed\) changed nothing: it stopped in pre-checks"
        $r.result.Status | Should -Be 'Succeeded' -Because $r.result.Message
        $r.result.DeploymentId | Should -Be $r.crashed.Id
        $r.result.RestoredBackupId | Should -Not -BeNullOrEmpty
        Assert-NoErrorPage $script:seen 'the crash and the rollback with the database'
        (Invoke-TestSql $script:pg -Database app "SELECT to_regclass('widgets') IS NULL") | Should -Be 't'
        (Invoke-TestSql $script:pg -Database app 'SELECT max(version) FROM schema_migrations') | Should -Be '20240101000000'
        $phases = (Get-Deployment -Path $script:config -Id $r.crashed.Id).Phases.Name
        [array]::IndexOf($phases, 'rollback:database') | Should -BeLessThan ([array]::IndexOf($phases, 'rollback:redeploy:web1'))
        Test-MaintenanceOn | Should -BeFalse
        Get-LiveVersion | Should -Be '2.3.0'
    }

    It '(g) a killed rollback: Resume-Deployment refuses and names Invoke-Rollback, which finishes it' {
        $deployed = Invoke-Deployment -Path $script:config -Version 4.0.0 -Strategy Hotfix -Confirm:$false
        $deployed.Outcome | Should -Be 'Succeeded'
        $back = $deployed.PreviousVersion   # what the rollback puts back (2.3.0 after the scenarios before)
        Remove-Item (Marker "holding-$back") -ErrorAction SilentlyContinue   # (e) may have held the same version
        New-Item (Marker "hold-$back") -ItemType File | Out-Null
        $r = @{}
        Watch-Users 'g killed rollback + Invoke-Rollback' {
            $child = Start-Child "Invoke-Rollback -Path '$($script:config)' -Confirm:`$false" 'rollback-4.0.0'
            Stop-ChildHard $child "holding-$back"
            $r.killed = Get-DeploymentHistory -Path $script:config -Last 1
            $r.resumed = Resume-Deployment -Path $script:config -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable resumeErrors
            $r.resumeErrors = @($resumeErrors)
            $r.onWhileRefused = Test-MaintenanceOn
            Remove-Item (Marker "hold-$back")
            $r.result = Invoke-Rollback -Path $script:config -Confirm:$false -ErrorAction SilentlyContinue
        }
        $r.killed.Outcome | Should -Be 'Interrupted'
        $r.resumed | Should -BeNullOrEmpty
        $r.resumeErrors[0].FullyQualifiedErrorId | Should -BeLike 'RollbackInterrupted*'
        $r.resumeErrors[0].Exception.Message | Should -BeLike "*Invoke-Rollback -DeploymentId $($r.killed.Id)*"
        $r.onWhileRefused | Should -BeTrue
        $r.result.Status | Should -Be 'Succeeded' -Because $r.result.Message
        $r.result.DeploymentId | Should -Be $r.killed.Id
        Assert-NoErrorPage $script:seen 'the killed rollback and the one that finished it'
        Test-MaintenanceOn | Should -BeFalse
        Get-LiveVersion | Should -Be $back
    }
}
