#Requires -Version 7.4
# Maintenance mode through the staged module: the flag-file mechanism needs nothing installed; the Redis part
# starts its own redis-server on a free loopback port and is skipped (with the reason) when none is installed.

BeforeAll {
    Import-Module $env:DEPLOYOPS_MODULE_PATH -Force

    function New-MaintenanceConfig([string] $Extra = '') {
        $dir = Join-Path ([IO.Path]::GetTempPath()) ("deployops-pester-maint-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $dir | Out-Null
        Set-Content -Path (Join-Path $dir 'deployops.yaml') -Value @"
application: shop
environment: pester
$Extra
maintenance:
  flagFile:
    path: MAINTENANCE_MODE
"@
        $dir
    }

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }
}

Describe 'Enter-/Exit-/Get-MaintenanceMode with a flag file' {
    BeforeEach {
        $script:dir = New-MaintenanceConfig
        $script:config = Join-Path $script:dir 'deployops.yaml'
        $script:flag = Join-Path $script:dir 'MAINTENANCE_MODE'
    }
    AfterEach { Remove-Item -Recurse -Force $script:dir -ErrorAction SilentlyContinue }

    It 'is Off before anything happens' {
        $state = Get-MaintenanceMode -Path $script:config
        $state.Status | Should -Be 'Off'
        $state.IsOn | Should -BeFalse
        $state.Mechanisms.Name | Should -Be 'FlagFile'
    }

    It 'enters with -PassThru, writes the JSON flag and exits again' {
        $state = Enter-MaintenanceMode -Path $script:config -Reason 'pester' -ExpectedDuration ([TimeSpan]::FromMinutes(5)) -PassThru
        $state.Status | Should -Be 'On'
        $state.Reason | Should -Be 'pester'
        $state.ExpectedEnd | Should -Not -BeNullOrEmpty
        (Get-Content $script:flag -Raw | ConvertFrom-Json).reason | Should -Be 'pester'

        $off = Exit-MaintenanceMode -Path $script:config -PassThru
        $off.Status | Should -Be 'Off'
        Test-Path $script:flag | Should -BeFalse
    }

    It 'writes nothing without -PassThru and is idempotent' {
        Enter-MaintenanceMode -Path $script:config | Should -BeNullOrEmpty
        Enter-MaintenanceMode -Path $script:config -PassThru | Select-Object -ExpandProperty Status | Should -Be 'On'
        Exit-MaintenanceMode -Path $script:config
        Exit-MaintenanceMode -Path $script:config -PassThru | Select-Object -ExpandProperty Status | Should -Be 'Off'
    }

    It 'changes nothing under -WhatIf' {
        Enter-MaintenanceMode -Path $script:config -WhatIf
        Test-Path $script:flag | Should -BeFalse
    }

    It 'audits every action' {
        Enter-MaintenanceMode -Path $script:config -Reason 'audited'
        Exit-MaintenanceMode -Path $script:config
        $lines = Get-Content (Join-Path $script:dir '.deployops/audit.jsonl') | ForEach-Object { $_ | ConvertFrom-Json }
        ($lines | Where-Object { $_.action -eq 'enter maintenance' -and $_.outcome -eq 'Succeeded' }) | Should -Not -BeNullOrEmpty
        ($lines | Where-Object { $_.action -eq 'exit maintenance' -and $_.outcome -eq 'Succeeded' }) | Should -Not -BeNullOrEmpty
    }

    It 'refuses -Drain without a drain source with MaintenanceNotConfigured' {
        { Enter-MaintenanceMode -Path $script:config -Drain -ErrorAction Stop } |
            Should -Throw -ErrorId 'MaintenanceNotConfigured*'
        Test-Path $script:flag | Should -BeFalse
    }

    It 'reports DrainTimeout and leaves maintenance on when the drain source never answers' {
        $closed = Get-FreePort
        Add-Content -Path $script:config -Value "  drain: { url: http://127.0.0.1:$closed/health, interval: 100ms, timeout: 500ms }"
        $state = Enter-MaintenanceMode -Path $script:config -PassThru -ErrorAction SilentlyContinue -ErrorVariable errs -WarningAction SilentlyContinue
        $errs.FullyQualifiedErrorId | Should -Match '^DrainTimeout'
        $state.Status | Should -Be 'On'
        $state.Drain.Outcome | Should -Be 'TimedOut'
        Exit-MaintenanceMode -Path $script:config
    }

    It 'formats MaintenanceState as a table' {
        $text = Get-MaintenanceMode -Path $script:config | Format-Table | Out-String
        $text | Should -Match 'Status'
        $text | Should -Match 'shop/pester'
    }
}

Describe 'Redis flag and Inconsistent detection' {
    BeforeAll {
        $script:redisServer = (Get-Command redis-server -ErrorAction SilentlyContinue).Source
        $script:redisCli = (Get-Command redis-cli -ErrorAction SilentlyContinue).Source
        if ($script:redisServer -and $script:redisCli) {
            $script:port = Get-FreePort
            $script:redisDir = Join-Path ([IO.Path]::GetTempPath()) ("deployops-pester-redis-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
            New-Item -ItemType Directory -Path $script:redisDir | Out-Null
            $script:redis = Start-Process -FilePath $script:redisServer -PassThru -NoNewWindow `
                -ArgumentList '--port', $script:port, '--bind', '127.0.0.1', '--dir', $script:redisDir, '--appendonly', 'no'
            $deadline = (Get-Date).AddSeconds(10)
            while ((& $script:redisCli -p $script:port ping 2>$null) -ne 'PONG' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
        }
    }
    AfterAll {
        if ($script:redis) { Stop-Process -Id $script:redis.Id -ErrorAction SilentlyContinue }
        if ($script:redisDir) { Remove-Item -Recurse -Force $script:redisDir -ErrorAction SilentlyContinue }
    }

    It 'names the mechanism that disagrees' -Skip:(-not (Get-Command redis-server -ErrorAction SilentlyContinue) -or -not (Get-Command redis-cli -ErrorAction SilentlyContinue)) {
        $dir = New-MaintenanceConfig -Extra "redis:`n  endpoint: 127.0.0.1:$($script:port)"
        try {
            Add-Content -Path (Join-Path $dir 'deployops.yaml') -Value "  redis:`n    key: pester:maint"
            $config = Join-Path $dir 'deployops.yaml'
            (Enter-MaintenanceMode -Path $config -PassThru).Status | Should -Be 'On'
            & $script:redisCli -p $script:port del pester:maint | Out-Null
            $state = Get-MaintenanceMode -Path $config
            $state.Status | Should -Be 'Inconsistent'
            $state.Disagreement | Should -Match 'FlagFile is on but Redis is off'
            (Exit-MaintenanceMode -Path $config -PassThru).Status | Should -Be 'Off'
        }
        finally { Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue }
    }
}
