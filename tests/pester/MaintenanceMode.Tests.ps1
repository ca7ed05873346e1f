#Requires -Version 7.4
# Maintenance mode through the staged module: the flag-file mechanism needs nothing installed; the Redis part
# starts its own redis-server on a free loopback port and fails with the install command when none is installed.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest

    function New-MaintenanceConfig([string] $Extra = '') {
        $dir = New-TestDirectory 'maint'
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
}

AfterAll {
    Remove-TestResources
}

Describe 'Enter-/Exit-/Get-MaintenanceMode with a flag file' {
    BeforeEach {
        $script:dir = New-MaintenanceConfig
        $script:config = Join-Path $script:dir 'deployops.yaml'
        $script:flag = Join-Path $script:dir 'MAINTENANCE_MODE'
    }

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
        $script:redis = Start-TestRedis
    }

    It 'names the mechanism that disagrees' {
        $dir = New-MaintenanceConfig -Extra "redis:`n  endpoint: 127.0.0.1:$($script:redis.Port)"
        Add-Content -Path (Join-Path $dir 'deployops.yaml') -Value "  redis:`n    key: pester:maint"
        $config = Join-Path $dir 'deployops.yaml'
        (Enter-MaintenanceMode -Path $config -PassThru).Status | Should -Be 'On'
        & $script:redis.Cli -p $script:redis.Port del pester:maint | Out-Null
        $state = Get-MaintenanceMode -Path $config
        $state.Status | Should -Be 'Inconsistent'
        $state.Disagreement | Should -Match 'FlagFile is on but Redis is off'
        (Exit-MaintenanceMode -Path $config -PassThru).Status | Should -Be 'Off'
    }
}
