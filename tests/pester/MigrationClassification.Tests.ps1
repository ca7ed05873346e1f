#Requires -Version 7.4
# Pending migrations rehearsed on a scratch copy of a verified backup and classified expand/contract, as the staged
# module does it: Test-PreDeployment (a migrations check with classify: true), Invoke-Deployment -WhatIf (the plan
# followed by MigrationClassification objects), their errors and help. A throwaway PostgreSQL cluster is started
# here; without its binaries the suite fails with the install command.
Describe 'Migration classification' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:pg = Start-TestPostgres
        $fixtures = Join-Path (Get-RepositoryRoot) 'tests/DeployOps.Engine.Tests/Migrations/Fixtures'
        Invoke-TestSql $script:pg 'CREATE DATABASE shop' | Out-Null
        Invoke-TestSql $script:pg (Get-Content -Raw (Join-Path $fixtures 'base-schema.sql.txt')) -Database shop | Out-Null
        $env:DEPLOYOPS_PESTER_PG_PASSWORD = $script:pg.Password
        $script:dir = New-TestDirectory 'migrations-app'
        $script:migrations = Join-Path $script:dir 'migrations'
        New-Item -ItemType Directory -Path $script:migrations | Out-Null
        Set-Content (Join-Path $script:migrations '0000_init.sql') 'SELECT 1;'
        Copy-Item (Join-Path $fixtures '0002_add_nullable_column.sql'), (Join-Path $fixtures '0101_drop_column.sql') $script:migrations
        $script:config = Join-Path $script:dir 'deployops.yaml'
        @"
application: pester-migrations
environment: test
postgres:
  host: 127.0.0.1
  port: $($script:pg.Port)
  database: shop
  username: $($script:pg.User)
  connectTimeout: 30s
  password: `${env:DEPLOYOPS_PESTER_PG_PASSWORD}
checks:
  - name: migrations
    kind: migrations
    idPattern: '^(\d+)_'
    classify: true
    timeout: 120s
deployment:
  strategy: hotfix
  instances:
    - { name: app1, host: 127.0.0.1, port: $(Get-FreePort) }
  steps:
    migrate: [ { name: migrate, command: "echo migrating" } ]
"@ | Set-Content $script:config
        function script:Get-Columns { Invoke-TestSql $script:pg "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'customers'" -Database shop }
        function script:Get-ScratchCount { [int](Invoke-TestSql $script:pg "SELECT count(*) FROM pg_database WHERE datname LIKE 'deployops\_rehearse\_%'") }
        $script:columns = Get-Columns
    }

    AfterAll {
        Remove-TestResources
        Remove-Item Env:DEPLOYOPS_PESTER_PG_PASSWORD -ErrorAction SilentlyContinue
    }

    It 'warns that pending migrations are not classified while there is no verified backup' {
        $result = Test-PreDeployment -Path $script:config -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Warning'
        $result.Message | Should -Match 'not classified.*Backup-DeploymentDatabase -Verify'
    }

    It 'Test-PreDeployment classifies each pending migration on a copy of the verified backup' {
        Backup-DeploymentDatabase -Path $script:config -Verify -Confirm:$false | Out-Null
        $result = Test-PreDeployment -Path $script:config -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Warning'   # one contract migration
        $result.Message | Should -Match '0101_drop_column\.sql would be refused'
        $classes = $result.Data['classification']
        $classes | ForEach-Object { $_ | Should -BeOfType 'DeployOps.Engine.Backup.MigrationClassification' }
        $classes.Label | Should -Be @('0002:expand', '0101:contract')
        $classes[1].Reasons[0].Name | Should -Be 'public.customers.legacy_code'
        $classes[0].Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
        # The default view: file, class, duration and why.
        $table = $classes | Format-Table | Out-String -Width 200
        $table | Should -Match '0101_drop_column\.sql\s+Contract'
        $table | Should -Match 'column public\.customers\.legacy_code dropped'
        Get-Columns | Should -Be $script:columns
        Get-ScratchCount | Should -Be 0
    }

    It 'Invoke-Deployment -WhatIf writes the plan, then the classification, and changes nothing' {
        $audit = Join-Path $script:dir '.deployops/audit.jsonl'
        $before = if (Test-Path $audit) { (Get-Content $audit).Count } else { 0 }
        $out = Invoke-Deployment -Path $script:config -Version 2.0.0 -WhatIf
        $plan = $out | Where-Object { $_ -is [DeployOps.Engine.Strategies.DeploymentPlanItem] }
        $plan.Phase | Should -Contain 'before-deploy'
        $classes = $out | Where-Object { $_ -is [DeployOps.Engine.Backup.MigrationClassification] }
        $classes.Label | Should -Be @('0002:expand', '0101:contract')
        $(if (Test-Path $audit) { (Get-Content $audit).Count } else { 0 }) | Should -Be $before
        Get-Columns | Should -Be $script:columns
        Get-ScratchCount | Should -Be 0
    }

    It 'a migration that does not apply on the copy is an error naming psql file:line' {
        $broken = Join-Path $script:migrations '0200_broken.sql'
        Set-Content $broken "-- typo below`nALTER TABLE customerz ADD COLUMN x int;"
        try {
            $result = Test-PreDeployment -Path $script:config -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $result.Message | Should -Match '0200_broken\.sql:2: ERROR:.*customerz'

            $out = Invoke-Deployment -Path $script:config -Version 2.0.0 -WhatIf -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MigrationRehearsalFailed*'
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidResult'
            $errs[0].TargetObject | Should -BeLike '*0200_broken.sql'
            $out | Where-Object { $_ -is [DeployOps.Engine.Strategies.DeploymentPlanItem] } | Should -Not -BeNullOrEmpty
            Get-ScratchCount | Should -Be 0
        }
        finally { Remove-Item $broken }
    }

    It 'help documents the classification' {
        $help = Get-Help Invoke-Deployment -Full | Out-String
        $help | Should -Match 'MigrationClassification'
        $help | Should -Match 'MigrationRehearsalFailed'
        (Get-Help Invoke-Rollback -Full | Out-String) | Should -Match 'classified expand'
        (Get-Help Test-PreDeployment -Full | Out-String) | Should -Match 'classify: true'
    }
}
