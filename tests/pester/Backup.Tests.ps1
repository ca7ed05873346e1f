#Requires -Version 7.4
# Backup-DeploymentDatabase, Get-/Test-DeploymentBackup and Restore-DeploymentDatabase against a throwaway PostgreSQL
# cluster started here. Without PostgreSQL server binaries the suite fails with the install command.
# Each It stands alone: BeforeEach (re)creates the table contents and a fresh configuration whose backup folder is
# empty, and every It makes the backups it looks at.
Describe 'Database backups' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:pg = Start-TestPostgres
        Invoke-TestSql $script:pg 'CREATE DATABASE app' | Out-Null
        $env:DEPLOYOPS_PESTER_PG_PASSWORD = $script:pg.Password
        function script:Invoke-Sql([string] $Sql) { Invoke-TestSql $script:pg $Sql -Database app }
    }

    AfterAll {
        Remove-TestResources
        Remove-Item Env:DEPLOYOPS_PESTER_PG_PASSWORD -ErrorAction SilentlyContinue
    }

    BeforeEach {
        Invoke-Sql "DROP TABLE IF EXISTS items; DROP TABLE IF EXISTS schema_migrations;
                    CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g;
                    CREATE TABLE schema_migrations (version text PRIMARY KEY); INSERT INTO schema_migrations VALUES ('001'), ('002');" | Out-Null
        # A new application folder per test: its state directory (and so its backup list) starts empty.
        $script:appDir = New-TestDirectory 'backup-app'
        $script:config = Join-Path $script:appDir 'deployops.yaml'
        @"
application: pester-app
environment: test
postgres:
  host: 127.0.0.1
  port: $($script:pg.Port)
  database: app
  username: $($script:pg.User)
  connectTimeout: 30s           # the first connection on a loaded 2-core machine can take longer than the 5s default
  password: `${env:DEPLOYOPS_PESTER_PG_PASSWORD}
backup:
  retention:
    keepLast: 10
  verifyQuery: SELECT count(*) > 0 FROM items
"@ | Set-Content -Path $script:config
    }

    It 'Backup-DeploymentDatabase -PassThru returns the backup with its manifest data' {
        $backup = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        $backup | Should -BeOfType 'DeployOps.Engine.Backup.DeploymentBackup'
        $backup.Tables['public.items'] | Should -Be 100
        $backup.MigrationHead | Should -Be '002'
        $backup.Path | Should -Exist
        $backup.Sha256 | Should -Match '^[0-9a-f]{64}$'
        # The default: a directory dump (toc.dat + a file per table), gzip level 1 on pg_dump 15.
        $backup.Format | Should -Be 'directory'
        Join-Path $backup.Path 'toc.dat' | Should -Exist
        $backup.Compression | Should -Be '1'
    }

    It 'backup.format custom writes one file that restores, and backup.compression reaches pg_dump' {
        (Get-Content -Raw $script:config) + "  format: custom`n  compression: none`n" | Set-Content -Path $script:config
        $backup = Backup-DeploymentDatabase -Path $script:config -Verify -PassThru -Confirm:$false
        $backup.Format | Should -Be 'custom'
        $backup.Compression | Should -Be '0'
        Test-Path -PathType Leaf $backup.Path | Should -BeTrue
        $backup.Verified | Should -BeTrue
        Invoke-Sql 'DELETE FROM items WHERE id > 10'
        Restore-DeploymentDatabase -Path $script:config -Id $backup.Id -NoSafetyBackup -Confirm:$false | Out-Null
        [int](Invoke-Sql 'SELECT count(*) FROM items') | Should -Be 100
    }

    It 'backup.compression lz4 with pg_dump 15 is refused before dumping, naming the setting' {
        (Get-Content -Raw $script:config) + "  compression: lz4`n" | Set-Content -Path $script:config
        { Backup-DeploymentDatabase -Path $script:config -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupFailed,*' -ExpectedMessage '*backup.compression*needs pg_dump 16*'
        @(Get-DeploymentBackup -Path $script:config).Count | Should -Be 0
    }

    It 'Backup-DeploymentDatabase without -PassThru writes nothing to the pipeline' {
        Backup-DeploymentDatabase -Path $script:config -Confirm:$false | Should -BeNullOrEmpty
        @(Get-DeploymentBackup -Path $script:config).Count | Should -Be 1
    }

    It 'Get-DeploymentBackup lists newest first and finds one by id' {
        $first = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        $second = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        $all = @(Get-DeploymentBackup -Path $script:config)
        $all.Count | Should -Be 2
        $all.Id | Should -Be @($second.Id, $first.Id)
        (Get-DeploymentBackup -Path $script:config -Id $first.Id).Id | Should -Be $first.Id
        (Get-DeploymentBackup -Path $script:config -Last 1).Id | Should -Be $second.Id
    }

    It 'Test-DeploymentBackup -Quiet returns $true and records the verdict' {
        $backup = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        Test-DeploymentBackup -Path $script:config -Id $backup.Id -Quiet -Confirm:$false | Should -BeTrue
        (Get-DeploymentBackup -Path $script:config -Id $backup.Id).Verified | Should -BeTrue
    }

    It 'Test-DeploymentBackup returns one object per backup with result, age, size, restore time and rows per table' {
        $first = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        Invoke-Sql 'DELETE FROM items WHERE id > 60'
        $second = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        $verdicts = @(Get-DeploymentBackup -Path $script:config | Test-DeploymentBackup -Confirm:$false)
        $verdicts.Count | Should -Be 2
        $verdicts.BackupId | Should -Be @($second.Id, $first.Id)
        foreach ($v in $verdicts) {
            $v | Should -BeOfType 'DeployOps.Engine.Backup.BackupVerification'
            $v.Result | Should -Be 'Passed'
            $v.Database | Should -Be 'app'
            $v.RestoreDuration | Should -BeGreaterThan ([TimeSpan]::Zero)
            $v.RestoreDuration | Should -BeLessOrEqual $v.Duration
            $v.BackupAge | Should -BeGreaterOrEqual ([TimeSpan]::Zero)
            $v.Tables.Table | Should -Be @('public.items', 'public.schema_migrations')
            $v.Tables | ForEach-Object { $_.Matched | Should -BeTrue }
        }
        $verdicts[0].Size | Should -Be $second.Size
        $verdicts[0].BackupCreated | Should -Be $second.Created
        ($verdicts[0].Tables | Where-Object Table -eq 'public.items').RestoredRows | Should -Be 60
        ($verdicts[1].Tables | Where-Object Table -eq 'public.items').BackupRows | Should -Be 100
        ($verdicts[1].Tables | Where-Object Table -eq 'public.items').RestoredRows | Should -Be 100
        ($verdicts[1].Tables | Where-Object Table -eq 'public.schema_migrations').RestoredRows | Should -Be 2
        # The default view is a list naming every table with both counts.
        $shown = $verdicts[1] | Out-String -Width 200
        $shown | Should -Match 'Result\s+: Passed'
        $shown | Should -Match 'RestoreDuration\s+: \d'
        $shown | Should -Match 'public\.items: 100 / 100'
        $shown | Should -Match 'public\.schema_migrations: 2 / 2'
    }

    It 'Test-DeploymentBackup shows the table whose restored rows differ from the manifest' {
        $backup = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        # The manifest claims a row the dump does not hold (its sha256 covers the dump only).
        $manifest = Get-Content $backup.ManifestPath -Raw
        $manifest | Should -Match '"public\.items": 100\b'
        $manifest -replace '"public\.items": 100\b', '"public.items": 101' | Set-Content $backup.ManifestPath -NoNewline
        $verdict = Test-DeploymentBackup -Path $script:config -Id $backup.Id -Confirm:$false -ErrorAction SilentlyContinue
        $verdict.Result | Should -Be 'Failed'
        $items = $verdict.Tables | Where-Object Table -eq 'public.items'
        $items.BackupRows | Should -Be 101
        $items.RestoredRows | Should -Be 100
        $items.Matched | Should -BeFalse
        ($verdict.Tables | Where-Object Table -eq 'public.schema_migrations').Matched | Should -BeTrue
        ($verdict | Out-String -Width 200) | Should -Match 'public\.items: 101 / 100  MISMATCH'
    }

    It 'Restore-DeploymentDatabase -WhatIf changes nothing' {
        $backup = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        Invoke-Sql 'DELETE FROM items WHERE id > 10'
        Restore-DeploymentDatabase -Path $script:config -Id $backup.Id -WhatIf | Should -BeNullOrEmpty
        [int](Invoke-Sql 'SELECT count(*) FROM items') | Should -Be 10
    }

    It 'Restore-DeploymentDatabase brings every row back and leaves a safety backup' {
        $backup = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        Invoke-Sql 'DELETE FROM items WHERE id > 10'
        $result = Restore-DeploymentDatabase -Path $script:config -Id $backup.Id -Confirm:$false
        $result | Should -BeOfType 'DeployOps.Engine.Backup.DatabaseRestoreResult'
        [int](Invoke-Sql 'SELECT count(*) FROM items') | Should -Be 100
        $result.SafetyBackupId | Should -Not -BeNullOrEmpty
        (Get-DeploymentBackup -Path $script:config -Id $result.SafetyBackupId).Tables['public.items'] | Should -Be 10
    }

    It 'a corrupted dump fails Test-DeploymentBackup with BackupCorrupt naming the damaged file' {
        $copy = Backup-DeploymentDatabase -Path $script:config -PassThru -Confirm:$false
        $file = Get-ChildItem -File $copy.Path -Filter '*.dat.gz' | Sort-Object Length -Descending | Select-Object -First 1
        $bytes = [IO.File]::ReadAllBytes($file.FullName)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xFF
        [IO.File]::WriteAllBytes($file.FullName, $bytes)
        Test-DeploymentBackup -Path $script:config -Id $copy.Id -Quiet -Confirm:$false | Should -BeFalse
        $verdict = Test-DeploymentBackup -Path $script:config -Id $copy.Id -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $verdict.Passed | Should -BeFalse
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupCorrupt*'
        $failures[0].Exception.Message | Should -BeLike "*$($file.Name)*"
    }

    It 'restoring an unknown id fails with BackupNotFound' {
        { Restore-DeploymentDatabase -Path $script:config -Id 'no-such-backup' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupNotFound,*'
    }
}
