#Requires -Version 7.4
# Invoke-Rollback end to end through the staged module: an in-place (hotfix) deployment on one instance whose steps
# write the deployed version to a file. A busybox httpd (a separate process, stopped by PID in AfterAll) stands in for
# the application's /health. Needs busybox (apt-get install -y busybox-static); fails with that command without it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $www = Join-Path (New-TestDirectory 'rollback-www') 'www'
    New-Item -ItemType Directory -Path $www | Out-Null
    Set-Content -Path (Join-Path $www 'health') -Value 'ok'
    # Read-only fixture: no test stops or changes it.
    $script:app = Start-StaticHttpServer -Root $www

    # A fresh application folder; -Deploy runs the given versions through Invoke-Deployment -Strategy Hotfix in order.
    function script:New-RollbackApp([string[]] $Deploy = @()) {
        $dir = New-TestDirectory 'rollback'
        $config = Join-Path $dir 'deployops.yaml'
        Set-Content -Path $config -Value @"
application: shop
environment: pester
deployment:
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:app.Port) }
  readiness: { timeout: 10s, interval: 100ms }
  steps:
    start:
      - name: install version
        command: echo {version} > current-version
rollback:
  logPaths: [current-version]
"@
        $records = foreach ($version in $Deploy) {
            $record = Invoke-Deployment -Path $config -Version $version -Strategy Hotfix -Confirm:$false
            $record.Outcome | Should -Be 'Succeeded' -Because "deploying $version is the test's precondition"
            $record
        }
        [pscustomobject]@{ Config = $config; VersionFile = (Join-Path $dir 'current-version'); Records = @($records) }
    }
}

AfterAll {
    Remove-TestResources
}

Describe 'Invoke-Rollback' {
    It 'says there is nothing to undo before the first deployment' {
        $app = New-RollbackApp
        { Invoke-Rollback -Path $app.Config -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RollbackNothingToUndo*'
    }

    It 'shows the plan under -WhatIf and changes nothing' {
        $app = New-RollbackApp -Deploy 1.0.0, 2.0.0
        (Get-Content $app.VersionFile).Trim() | Should -Be '2.0.0'

        $plan = @(Invoke-Rollback -Path $app.Config -WhatIf)
        $plan.Phase | Should -Contain 'rollback:redeploy:web1'
        (Get-Content $app.VersionFile).Trim() | Should -Be '2.0.0'
        (Get-Deployment -Path $app.Config -Id $app.Records[-1].Id).Outcome | Should -Be 'Succeeded'
    }

    It 'redeploys the previous version, marks the deployment RolledBack and exits 0' {
        $app = New-RollbackApp -Deploy 1.0.0, 2.0.0
        $result = Invoke-Rollback -Path $app.Config -Reason 'pester' -Confirm:$false
        $result.Status | Should -Be 'Succeeded'
        $result.ExitCode | Should -Be 0
        $result.DeploymentId | Should -Be $app.Records[-1].Id
        $result.FromVersion | Should -Be '2.0.0'
        $result.ToVersion | Should -Be '1.0.0'
        (Get-Content $app.VersionFile).Trim() | Should -Be '1.0.0'
        (Get-Deployment -Path $app.Config -Id $result.DeploymentId).Outcome | Should -Be 'RolledBack'
        Test-Path (Join-Path $result.IncidentDirectory 'incident.md') | Should -BeTrue
        $incident = Get-Content (Join-Path $result.IncidentDirectory 'incident.json') -Raw | ConvertFrom-Json
        $incident.toVersion | Should -Be '1.0.0'
        $incident.reason | Should -Be 'pester'
        ($result | Format-Table | Out-String) | Should -Match 'Succeeded'
    }

    It 'refuses -DeploymentId and -ToVersion together' {
        $app = New-RollbackApp
        { Invoke-Rollback -Path $app.Config -DeploymentId x -ToVersion 1.0.0 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }
}
