#Requires -Version 7.4
# The pipeline works the same for every cmdlet: a configuration piped in binds -Config, -Path and -Config never bind
# together, records carry ConfigPath and select their configuration from any directory, completion offers what the
# configuration and its state hold, and the default views read at 120 columns. Runs against the staged module.

BeforeDiscovery {
    $script:initdb = Get-ChildItem -Path /usr/lib/postgresql/*/bin/initdb -ErrorAction SilentlyContinue |
        Sort-Object { [double]$_.Directory.Parent.Name } -Descending | Select-Object -First 1
    $script:pgSkip = if ($script:initdb) { $null } else { 'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin' }
    # Cmdlets that act on a configuration and can run with nothing but a flag-file configuration (read-only or -WhatIf).
    $script:pipedCases = @(
        @{ Name = 'Get-Deployment';        Run = { param($c) $c | Get-Deployment } }
        @{ Name = 'Get-DeploymentHistory'; Run = { param($c) $c | Get-DeploymentHistory } }
        @{ Name = 'Get-MaintenanceMode';   Run = { param($c) $c | Get-MaintenanceMode } }
        @{ Name = 'Get-DeploymentBackup';  Run = { param($c) $c | Get-DeploymentBackup } }
        @{ Name = 'Unlock-Deployment';     Run = { param($c) $c | Unlock-Deployment -WhatIf -ErrorAction SilentlyContinue } }
        @{ Name = 'Enter-MaintenanceMode'; Run = { param($c) $c | Enter-MaintenanceMode -Reason pester -WhatIf } }
        @{ Name = 'Exit-MaintenanceMode';  Run = { param($c) $c | Exit-MaintenanceMode -WhatIf } }
        @{ Name = 'Invoke-Deployment';     Run = { param($c) $c | Invoke-Deployment -Version 1.0.0 -WhatIf -ErrorAction SilentlyContinue } }
        @{ Name = 'Invoke-Rollback';       Run = { param($c) $c | Invoke-Rollback -WhatIf -ErrorAction SilentlyContinue } }
        @{ Name = 'Watch-DeploymentHealth -Replay'; Run = { param($c) $c | Watch-DeploymentHealth -Replay (Join-Path $c.Directory 'none.jsonl') -ErrorAction SilentlyContinue } }
        @{ Name = 'Test-PreDeployment';    Run = { param($c) $c | Test-PreDeployment -Quiet } }
    )
    $script:bothCases = @(
        @{ Line = 'Get-Deployment -Path $p -Config $c' }
        @{ Line = 'Get-Deployment -Path $p -Config $c -Id x' }
        @{ Line = 'Get-DeploymentHistory -Path $p -Config $c' }
        @{ Line = 'Unlock-Deployment -Path $p -Config $c -WhatIf' }
        @{ Line = 'Invoke-Rollback -Path $p -Config $c -WhatIf' }
        @{ Line = 'Invoke-Rollback -Path $p -Config $c -DeploymentId x -WhatIf' }
        @{ Line = 'Invoke-Rollback -Path $p -Config $c -ToVersion 1.0.0 -WhatIf' }
        @{ Line = 'Watch-DeploymentHealth -Path $p -Config $c -Replay x.jsonl' }
        @{ Line = 'Get-MaintenanceMode -Path $p -Config $c' }
        @{ Line = 'Test-DeploymentBackup -Path $p -Config $c -WhatIf' }
    )
}

BeforeAll {
    Import-Module $env:DEPLOYOPS_MODULE_PATH -Force

    function script:New-TestFolder {
        $dir = Join-Path ([IO.Path]::GetTempPath()) ('deployops-pipeline-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
        New-Item -ItemType Directory -Path $dir | Out-Null
        $dir
    }

    # A configuration the read-only cmdlets accept without any service: flag-file maintenance, two slots, two checks.
    function script:New-FlagConfig([string] $Dir = (New-TestFolder)) {
        $path = Join-Path $Dir 'deployops.yaml'
        @"
application: shop
environment: pester
maintenance:
  flagFile:
    path: MAINTENANCE_MODE
checks:
  - { name: disk space, kind: disk, category: system, path: $Dir, minFree: 1MB }
  - { name: tmp-disk, kind: disk, category: capacity, path: /tmp, minFree: 1MB }
deployment:
  slots:
    blue: { host: 127.0.0.1, port: 5001 }
    green: { host: 127.0.0.1, port: 5002 }
"@ | Set-Content -Path $path
        $path
    }

    # A configuration deployed for real (hotfix, one instance, a shell step); returns the path and the two records.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $script:appPort = $listener.LocalEndpoint.Port; $listener.Stop()
    $script:app = Start-ThreadJob -ArgumentList $script:appPort -ScriptBlock {
        param($port)
        $http = [System.Net.HttpListener]::new()
        $http.Prefixes.Add("http://127.0.0.1:$port/")
        $http.Start()
        # Waits in short slices so Stop-Job can end the job between them (a blocking GetContext never returns).
        while ($true) {
            $next = $http.GetContextAsync()
            while (-not $next.Wait(200)) { }
            $next.Result.Response.StatusCode = 200; $next.Result.Response.Close()
        }
    }
    Start-Sleep -Milliseconds 300

    function script:New-DeployedConfig {
        $dir = New-TestFolder
        $path = Join-Path $dir 'deployops.yaml'
        @"
application: shop
environment: pester
deployment:
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:appPort) }
  readiness: { timeout: 10s, interval: 100ms }
  steps:
    start:
      - name: install version
        command: echo {version} > current-version
"@ | Set-Content -Path $path
        $first = Invoke-Deployment -Path $path -Version 1.0.0 -Strategy Hotfix -Confirm:$false
        $second = Invoke-Deployment -Path $path -Version 2.0.0 -Strategy Hotfix -Confirm:$false
        [pscustomobject]@{ Path = $path; Dir = $dir; First = $first; Second = $second }
    }

    function script:Complete([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText
    }

    $script:startLocation = Get-Location
}

AfterAll {
    Set-Location $script:startLocation
    Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'deployops-pipeline-*' -Directory -ErrorAction SilentlyContinue |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    if ($script:app) { Remove-Job $script:app -Force -ErrorAction SilentlyContinue }
}

Describe 'A piped configuration' {
    AfterEach { Set-Location $script:startLocation }

    It '<Name> binds a configuration from the pipeline' -ForEach $script:pipedCases {
        $config = Test-DeploymentConfig -Path (New-FlagConfig)
        Set-Location ([IO.Path]::GetTempPath())   # no deployops.yaml here: only the piped one can be used
        $errors = @()
        try { & $Run $config -ErrorVariable errors } catch { $errors += $_ }
        # Engine errors (nothing to unlock, no deployment yet, no traffic section) prove the cmdlet ran on the piped
        # configuration; a binding error, or falling back to ./deployops.yaml (ConfigNotFound), does not.
        $errors.FullyQualifiedErrorId | Where-Object { $_ -match '^(InputObjectNotBound|AmbiguousParameterSet|ConfigNotFound|MissingMandatoryParameter|ParameterArgument)' } |
            Should -BeNullOrEmpty
    }

    It 'binds for Get-Deployment and reads the state next to that configuration' {
        $path = New-FlagConfig
        Set-Location ([IO.Path]::GetTempPath())
        $status = Test-DeploymentConfig -Path $path | Get-Deployment
        $status | Should -BeOfType 'DeployOps.Engine.State.DeploymentStatus'
        $status.Activity | Should -Be 'Idle'
        $status.ConfigPath | Should -Be $path
    }

    It 'binds for Get-MaintenanceMode with a flag file' {
        $path = New-FlagConfig
        New-Item -ItemType File (Join-Path (Split-Path $path) 'MAINTENANCE_MODE') | Out-Null
        $state = Test-DeploymentConfig -Path $path | Get-MaintenanceMode
        $state.IsOn | Should -BeTrue
        $state.ConfigPath | Should -Be $path
    }

    It 'rejects -Path and -Config together with a parameter-set error: <Line>' -ForEach $script:bothCases {
        $p = New-FlagConfig
        $c = Test-DeploymentConfig -Path $p
        { Invoke-Expression $Line } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }
}

Describe 'Records carry ConfigPath' {
    AfterEach { Set-Location $script:startLocation }

    It 'deployment records name their configuration and pipe to Get-Deployment from another directory' {
        $d = New-DeployedConfig
        $d.Second.Outcome | Should -Be 'Succeeded'
        Set-Location ([IO.Path]::GetTempPath())
        $history = @(Get-DeploymentHistory -Path $d.Path)
        $history.Count | Should -Be 2
        $history.ConfigPath | Should -Be @($d.Path, $d.Path)
        $again = $history | Get-Deployment
        $again.Id | Should -Be $history.Id
    }

    It 'Get-DeploymentHistory | Invoke-Rollback -WhatIf plans the rollback of that deployment from another directory' {
        $d = New-DeployedConfig
        Set-Location ([IO.Path]::GetTempPath())
        $plan = @(Get-DeploymentHistory -Path $d.Path -Last 1 | Invoke-Rollback -WhatIf)
        $plan.Phase | Should -Contain 'rollback:redeploy:web1'
        (Get-Content (Join-Path $d.Dir 'current-version')).Trim() | Should -Be '2.0.0'
        (Get-Deployment -Path $d.Path -Id $d.Second.Id).Outcome | Should -Be 'Succeeded'
    }

    It 'a record piped with another configuration stops with ConfigMismatch and changes nothing' {
        $d = New-DeployedConfig
        $other = New-FlagConfig
        { $d.Second | Invoke-Rollback -Path $other -WhatIf } | Should -Throw -ErrorId 'ConfigMismatch*'
        { $d.Second | Get-Deployment -Config (Test-DeploymentConfig $other) } | Should -Throw -ErrorId 'ConfigMismatch*'
        { $d.Second | Get-Deployment -Path $d.Path } | Should -Not -Throw
    }

    It 'Get-Deployment status pipes to Unlock-Deployment -WhatIf by ConfigPath' {
        $d = New-DeployedConfig
        Set-Location ([IO.Path]::GetTempPath())
        $errors = @()
        Get-Deployment -Path $d.Path | Unlock-Deployment -WhatIf -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.FullyQualifiedErrorId | Should -BeLike 'LockNotHeld*'
    }
}

Describe 'Tab completion' {
    AfterEach { Set-Location $script:startLocation }

    It 'completes slot names from -Path' {
        $path = New-FlagConfig
        Complete "Switch-DeploymentTraffic -Path $path -To " | Should -Be @('blue', 'green')
        Complete "Switch-DeploymentTraffic -Path $path -To g" | Should -Be @('green')
    }

    It 'completes slot names from ./deployops.yaml' {
        Set-Location (Split-Path (New-FlagConfig))
        Complete 'Switch-DeploymentTraffic -To ' | Should -Be @('blue', 'green')
    }

    It 'completes check names (quoted when needed) and categories' {
        Set-Location (Split-Path (New-FlagConfig))
        Complete 'Test-PreDeployment -Name ' | Should -Be @("'disk space'", 'tmp-disk')
        Complete 'Test-PreDeployment -Category ' | Should -Be @('capacity', 'system')
    }

    It 'completes deployment ids newest first for Get-Deployment, Invoke-Rollback, Resume- and Approve-Deployment' {
        $d = New-DeployedConfig
        $expected = @($d.Second.Id, $d.First.Id)
        Complete "Get-Deployment -Path $($d.Path) -Id " | Should -Be $expected
        Complete "Invoke-Rollback -Path $($d.Path) -DeploymentId " | Should -Be $expected
        Complete "Approve-Deployment -Path $($d.Path) -Id " | Should -Be $expected
        Complete "Resume-Deployment -Path $($d.Path) -Id " | Should -BeNullOrEmpty   # nothing interrupted
    }

    It 'completes nothing, silently, for a missing or invalid configuration' {
        $dir = New-TestFolder
        Set-Location $dir
        $Error.Clear()
        Complete 'Switch-DeploymentTraffic -To ' | Should -BeNullOrEmpty
        Complete 'Get-Deployment -Path nope.yaml -Id ' | Should -BeNullOrEmpty
        'application: [' | Set-Content (Join-Path $dir 'deployops.yaml')
        Complete 'Test-PreDeployment -Name ' | Should -BeNullOrEmpty
        Complete 'Get-DeploymentBackup -Id ' | Should -BeNullOrEmpty
        $Error.Count | Should -Be 0
    }
}

Describe 'Views at 120 columns' {
    It 'Format-List and Format-Table of a configuration show what it configures, without type names' {
        $config = Test-DeploymentConfig -Path (New-FlagConfig)
        $list = $config | Format-List | Out-String -Width 120
        $list | Should -Match 'Targets\s+: blue \(127\.0\.0\.1:5001\)\s*\r?\n\s+green \(127\.0\.0\.1:5002\)'
        $list | Should -Match 'Checks\s+: disk space \(disk\)\s*\r?\n\s+tmp-disk \(disk\)'
        $list | Should -Match 'HealthRules\s+: errorRate: '
        $list | Should -Match 'Maintenance\s+: \S'
        $list | Should -Not -Match 'DeployOps\.Engine|System\.Collections|\{.*\.\.\.\}|…'
        $table = $config | Format-Table | Out-String -Width 120
        $table | Should -Match 'Application\s+Environment\s+Strategy\s+Checks\s+Targets'
        $table | Should -Match 'shop\s+pester\s+BlueGreen\s+2\s+2'
        $table | Should -Not -Match 'DeployOps\.Engine|…'
    }

    It 'a HealthSample shows a readable, uncut Elapsed and each reason once' {
        $dir = New-TestFolder
        $path = Join-Path $dir 'deployops.yaml'
        @"
application: shop
environment: pester
endpoints:
  app: http://127.0.0.1:1
health:
  timeout: 1s
  probes: [app]
"@ | Set-Content $path
        $out = Watch-DeploymentHealth -Path $path -DeploymentId pester -Duration ([timespan]::FromSeconds(2)) -Interval ([timespan]::FromMilliseconds(250))
        $samples = @($out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] })
        $samples.Count | Should -BeGreaterThan 3
        $table = $samples | Format-Table | Out-String -Width 120
        $table | Should -Not -Match '…|DeployOps\.Engine'
        $table | Should -Match '(?m)^\s*T\+\d+(ms|\.\d+s|s|m\d\ds)\s'
        $crash = $samples | Where-Object Verdict -eq 'Rollback' | Select-Object -Last 1
        $crash.Reasons | Should -Not -Contain ($crash.Notes | Select-Object -First 1)
        @($crash.Reasons | Where-Object { $_ -like 'crash:*' }).Count | Should -Be 1
        $list = $samples[-1] | Format-List | Out-String -Width 120
        $list | Should -Not -Match 'DeployOps\.Engine'
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] }
        ($decision | Format-Table | Out-String -Width 120) | Should -Not -Match '…|T\+00:'
        ($decision | Format-List | Out-String -Width 120) | Should -Not -Match 'DeployOps\.Engine\.'
    }
}

Describe 'Backups pipe by ConfigPath' -Skip:($null -ne $script:pgSkip) {
    BeforeAll {
        $script:bin = (Get-ChildItem -Path /usr/lib/postgresql/*/bin/initdb |
            Sort-Object { [double]$_.Directory.Parent.Name } -Descending | Select-Object -First 1).Directory.FullName
        $script:pgRoot = New-TestFolder
        $script:pgPassword = 'pester-pipeline-pw-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        Set-Content -Path (Join-Path $script:pgRoot 'pw') -Value $script:pgPassword -NoNewline
        $script:isRoot = (& id -u) -eq '0'
        if ($script:isRoot) { & chown -R postgres:postgres $script:pgRoot }
        function script:Invoke-AsClusterOwner([string] $Tool, [string[]] $Arguments) {
            $exe = Join-Path $script:bin $Tool
            if ($script:isRoot) { & runuser -u postgres -- $exe @Arguments } else { & $exe @Arguments }
            if ($LASTEXITCODE -ne 0) { throw "$Tool $($Arguments -join ' ') exited $LASTEXITCODE" }
        }
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $l.Start(); $script:pgPort = $l.LocalEndpoint.Port; $l.Stop()
        $script:pgData = Join-Path $script:pgRoot 'data'
        Invoke-AsClusterOwner initdb @('-D', $script:pgData, '-U', 'deployops', "--pwfile=$(Join-Path $script:pgRoot 'pw')",
            '-A', 'scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync') | Out-Null
        Add-Content -Path (Join-Path $script:pgData 'postgresql.conf') -Value @"
port = $($script:pgPort)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$($script:pgRoot)'
fsync = off
"@
        Invoke-AsClusterOwner pg_ctl @('-D', $script:pgData, '-l', (Join-Path $script:pgRoot 'server.log'), '-w', '-t', '60', 'start') | Out-Null
        $script:pgPid = [int](Get-Content (Join-Path $script:pgData 'postmaster.pid') -TotalCount 1)
        $env:PGPASSWORD = $script:pgPassword
        try {
            & (Join-Path $script:bin 'psql') -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $script:pgPort -U deployops -d postgres -c 'CREATE DATABASE app' | Out-Null
            & (Join-Path $script:bin 'psql') -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $script:pgPort -U deployops -d app -c 'CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10);' | Out-Null
        } finally { Remove-Item Env:PGPASSWORD -ErrorAction SilentlyContinue }
        $env:DEPLOYOPS_PESTER_PIPELINE_PG = $script:pgPassword

        function script:New-BackupConfig {
            $dir = New-TestFolder
            $path = Join-Path $dir 'deployops.yaml'
            @"
application: shop
environment: pester
postgres:
  host: 127.0.0.1
  port: $($script:pgPort)
  database: app
  username: deployops
  password: `${env:DEPLOYOPS_PESTER_PIPELINE_PG}
"@ | Set-Content $path
            $path
        }
    }

    AfterAll {
        # Stop the cluster this suite started, by its PID (SIGINT = fast shutdown), and wait for it to go.
        if ($script:pgPid) {
            & kill -INT $script:pgPid 2>$null
            $deadline = (Get-Date).AddSeconds(30)
            while ((Get-Process -Id $script:pgPid -ErrorAction SilentlyContinue) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200 }
            Stop-Process -Id $script:pgPid -Force -ErrorAction SilentlyContinue
        }
        Remove-Item Env:DEPLOYOPS_PESTER_PIPELINE_PG -ErrorAction SilentlyContinue
        Set-Location $script:startLocation
    }

    AfterEach { Set-Location $script:startLocation }

    It 'Get-DeploymentBackup -Path X | Test-DeploymentBackup verifies that backup from another directory' {
        $path = New-BackupConfig
        $backup = Backup-DeploymentDatabase -Path $path -PassThru -Confirm:$false
        $backup.ConfigPath | Should -Be $path
        Set-Location ([IO.Path]::GetTempPath())
        $listed = @(Get-DeploymentBackup -Path $path)
        $listed.ConfigPath | Should -Be @($path)
        $verification = Get-DeploymentBackup -Path $path | Test-DeploymentBackup -Confirm:$false
        $verification.BackupId | Should -Be $backup.Id
        $verification.Passed | Should -BeTrue
        $verification.ConfigPath | Should -Be $path
    }

    It 'a backup piped with another configuration stops with ConfigMismatch' {
        $path = New-BackupConfig
        $other = New-BackupConfig
        Backup-DeploymentDatabase -Path $path -Confirm:$false
        { Get-DeploymentBackup -Path $path | Test-DeploymentBackup -Path $other -Confirm:$false } | Should -Throw -ErrorId 'ConfigMismatch*'
    }

    It 'completes backup ids newest first' {
        $path = New-BackupConfig
        $first = Backup-DeploymentDatabase -Path $path -PassThru -Confirm:$false
        Start-Sleep -Milliseconds 1100   # ids carry the second
        $second = Backup-DeploymentDatabase -Path $path -PassThru -Confirm:$false
        Complete "Get-DeploymentBackup -Path $path -Id " | Should -Be @($second.Id, $first.Id)
        Complete "Test-DeploymentBackup -Path $path -Id " | Should -Be @($second.Id, $first.Id)
        Complete "Restore-DeploymentDatabase -Path $path -Id " | Should -Be @($second.Id, $first.Id)
    }
}
