#Requires -Version 7.4
# Backup-DeploymentDatabase, Get-/Test-DeploymentBackup and Restore-DeploymentDatabase against a throwaway
# PostgreSQL cluster started here (skipped, with the reason, where PostgreSQL server binaries are not installed).
BeforeDiscovery {
    $script:initdb = Get-ChildItem -Path /usr/lib/postgresql/*/bin/initdb -ErrorAction SilentlyContinue |
        Sort-Object { [double]$_.Directory.Parent.Name } -Descending | Select-Object -First 1
    $script:skipReason = if ($script:initdb) { $null } else { 'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)' }
    if ($script:skipReason) { Write-Warning "Backup.Tests.ps1 skipped: $($script:skipReason)" }
}

Describe 'Database backups' -Skip:($null -ne $script:skipReason) {
    BeforeAll {
        Import-Module $env:DEPLOYOPS_MODULE_PATH -Force
        $script:bin = (Get-ChildItem -Path /usr/lib/postgresql/*/bin/initdb |
            Sort-Object { [double]$_.Directory.Parent.Name } -Descending | Select-Object -First 1).Directory.FullName
        $script:root = Join-Path ([IO.Path]::GetTempPath()) ('deployops-pester-pg-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $script:root | Out-Null
        $script:password = 'pester-pg-password-91c2'
        Set-Content -Path (Join-Path $script:root 'pw') -Value $script:password -NoNewline
        $script:isRoot = (& id -u) -eq '0'
        if ($script:isRoot) { & chown -R postgres:postgres $script:root }

        function script:Invoke-AsClusterOwner([string] $Tool, [string[]] $Arguments) {
            $exe = Join-Path $script:bin $Tool
            if ($script:isRoot) { & runuser -u postgres -- $exe @Arguments } else { & $exe @Arguments }
            if ($LASTEXITCODE -ne 0) { throw "$Tool $($Arguments -join ' ') exited $LASTEXITCODE" }
        }
        function script:Invoke-Sql([string] $Sql, [string] $Database = 'app') {
            $env:PGPASSWORD = $script:password
            try { & (Join-Path $script:bin 'psql') -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $script:port -U deployops -d $Database -c $Sql }
            finally { Remove-Item Env:PGPASSWORD -ErrorAction SilentlyContinue }
        }

        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $script:port = $listener.LocalEndpoint.Port; $listener.Stop()
        $script:data = Join-Path $script:root 'data'
        Invoke-AsClusterOwner initdb @('-D', $script:data, '-U', 'deployops', "--pwfile=$(Join-Path $script:root 'pw')",
            '-A', 'scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync') | Out-Null
        Add-Content -Path (Join-Path $script:data 'postgresql.conf') -Value @"
port = $($script:port)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$($script:root)'
fsync = off
"@
        Invoke-AsClusterOwner pg_ctl @('-D', $script:data, '-l', (Join-Path $script:root 'server.log'), '-w', 'start') | Out-Null
        Invoke-Sql 'CREATE DATABASE app' -Database postgres
        Invoke-Sql "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g;
                    CREATE TABLE schema_migrations (version text PRIMARY KEY); INSERT INTO schema_migrations VALUES ('001'), ('002');"

        $env:DEPLOYOPS_PESTER_PG_PASSWORD = $script:password
        $script:appDir = Join-Path $script:root 'app'
        New-Item -ItemType Directory -Path $script:appDir | Out-Null
        $script:config = Join-Path $script:appDir 'deployops.yaml'
        @"
application: pester-app
environment: test
postgres:
  host: 127.0.0.1
  port: $($script:port)
  database: app
  username: deployops
  password: `${env:DEPLOYOPS_PESTER_PG_PASSWORD}
backup:
  retention:
    keepLast: 10
  verifyQuery: SELECT count(*) > 0 FROM items
"@ | Set-Content -Path $script:config
    }

    AfterAll {
        try { Invoke-AsClusterOwner pg_ctl @('-D', $script:data, '-m', 'fast', '-w', 'stop') | Out-Null } catch { Write-Warning $_ }
        Remove-Item $script:root -Recurse -Force -ErrorAction SilentlyContinue
        Remove-Item Env:DEPLOYOPS_PESTER_PG_PASSWORD -ErrorAction SilentlyContinue
    }

    It 'Backup-DeploymentDatabase -PassThru returns the backup with its manifest data' {
        $script:backup = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        $script:backup | Should -BeOfType 'DeployOps.Engine.Backup.DeploymentBackup'
        $script:backup.Tables['public.items'] | Should -Be 100
        $script:backup.MigrationHead | Should -Be '002'
        $script:backup.Path | Should -Exist
        $script:backup.Sha256 | Should -Match '^[0-9a-f]{64}$'
    }

    It 'Backup-DeploymentDatabase without -PassThru writes nothing to the pipeline' {
        Backup-DeploymentDatabase -Path $script:config -Confirm:$false | Should -BeNullOrEmpty
    }

    It 'Get-DeploymentBackup lists newest first and finds one by id' {
        $all = @(Get-DeploymentBackup -Path $script:config)
        $all.Count | Should -Be 2
        (Get-DeploymentBackup -Path $script:config -Id $script:backup.Id).Id | Should -Be $script:backup.Id
        (Get-DeploymentBackup -Path $script:config -Last 1).Id | Should -Not -Be $script:backup.Id
    }

    It 'Test-DeploymentBackup -Quiet returns $true and records the verdict' {
        Test-DeploymentBackup -Path $script:config -Id $script:backup.Id -Quiet -Confirm:$false | Should -BeTrue
        (Get-DeploymentBackup -Path $script:config -Id $script:backup.Id).Verified | Should -BeTrue
    }

    It 'Restore-DeploymentDatabase -WhatIf changes nothing' {
        Invoke-Sql 'DELETE FROM items WHERE id > 10'
        Restore-DeploymentDatabase -Path $script:config -Id $script:backup.Id -WhatIf | Should -BeNullOrEmpty
        [int](Invoke-Sql 'SELECT count(*) FROM items') | Should -Be 10
    }

    It 'Restore-DeploymentDatabase brings every row back and leaves a safety backup' {
        $result = Restore-DeploymentDatabase -Path $script:config -Id $script:backup.Id -Confirm:$false
        $result | Should -BeOfType 'DeployOps.Engine.Backup.DatabaseRestoreResult'
        [int](Invoke-Sql 'SELECT count(*) FROM items') | Should -Be 100
        $result.SafetyBackupId | Should -Not -BeNullOrEmpty
        (Get-DeploymentBackup -Path $script:config -Id $result.SafetyBackupId).Tables['public.items'] | Should -Be 10
    }

    It 'a corrupted dump fails Test-DeploymentBackup with BackupCorrupt' {
        $copy = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        $bytes = [IO.File]::ReadAllBytes($copy.Path)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xFF
        [IO.File]::WriteAllBytes($copy.Path, $bytes)
        Test-DeploymentBackup -Path $script:config -Id $copy.Id -Quiet -Confirm:$false | Should -BeFalse
        $verdict = Test-DeploymentBackup -Path $script:config -Id $copy.Id -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $verdict.Passed | Should -BeFalse
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupCorrupt*'
    }

    It 'restoring an unknown id fails with BackupNotFound' {
        { Restore-DeploymentDatabase -Path $script:config -Id 'no-such-backup' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupNotFound'
    }
}
