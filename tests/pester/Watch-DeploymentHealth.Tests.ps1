#Requires -Version 7.4
# Watch-DeploymentHealth against the demo application started as a real process (needs the dotnet runtime; the demo
# app comes from DEPLOYOPS_DEMOAPP_DLL or is built into a temp folder, never into the source tree).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    Get-DemoAppDll | Out-Null

    function script:New-HealthConfig([string] $Url, [string] $Directory = (New-TestDirectory 'health'), [string] $Extra = '') {
        @"
application: demo
environment: pester
endpoints:
  app: $Url
health:
  minRequests: 3
  timeout: 2s
  scrape:
    targets: [app]
  probes: [app]
$Extra
"@ | Set-Content (Join-Path $Directory 'deployops.yaml')
        Join-Path $Directory 'deployops.yaml'
    }
}

AfterAll {
    Remove-TestResources
}

Describe 'Watch-DeploymentHealth' {
    BeforeEach {
        $script:app = Start-DemoApp
        $script:config = New-HealthConfig $script:app.Url
        $script:load = Start-Load $script:app.Url
        Start-Sleep -Milliseconds 500
    }

    AfterEach {
        Stop-Load $script:load
        Stop-TestProcess -Process $script:app.Process
    }

    It 'emits a HealthSample per interval and a Healthy decision for a healthy application' {
        $out = Watch-DeploymentHealth -Path $script:config -DeploymentId 'pester-1' -Duration ([timespan]::FromSeconds(4)) -Interval ([timespan]::FromMilliseconds(500))
        $samples = @($out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] })
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] }

        # One sample per interval; a collection that overruns its interval (a loaded machine) restarts the schedule,
        # so the count is at most Duration/Interval and at least 2 in 4 seconds.
        $samples.Count | Should -BeGreaterOrEqual 2
        $samples.Count | Should -BeLessOrEqual 8
        $samples.Sequence | Should -Be (1..$samples.Count)
        $samples.Verdict | Should -Not -Contain 'Rollback'
        $samples[-1].Verdict | Should -Be 'Healthy'
        $decision.Verdict | Should -Be 'Healthy'
        $decision.SampleCount | Should -Be $samples.Count
        $decision.RollbackTriggered | Should -BeFalse
        $samples[-1].Phase | Should -Be 'early'
        Join-Path (Split-Path $script:config) '.deployops/deployments/pester-1/health-samples.jsonl' | Should -Exist
    }

    It 'stops on a Rollback verdict when the application crashes and returns it without -AutoRollback' {
        Stop-TestProcess -Process $script:app.Process
        $out = Watch-DeploymentHealth -Path $script:config -DeploymentId 'pester-2' -Interval ([timespan]::FromMilliseconds(300)) -WarningVariable warnings
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] }

        $decision.Verdict | Should -Be 'Rollback'
        $decision.Rule | Should -Be 'crash'
        $decision.RecordPath | Should -Exist
        $decision.RollbackTriggered | Should -BeFalse
        $warnings | Should -BeNullOrEmpty
    }

    It '-Until Rollback watches on through Investigate and stops at the Rollback verdict although -Duration is given' {
        Stop-TestProcess -Process $script:app.Process
        $out = Watch-DeploymentHealth -Path $script:config -DeploymentId 'pester-until-1' -Duration ([timespan]::FromSeconds(60)) `
            -Interval ([timespan]::FromMilliseconds(300)) -Until Rollback
        $samples = @($out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] })
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] }

        # The refused connection is "down" at once (Investigate, rule appDown), which -Until Decision would stop at;
        # the third failed probe is the crash rule's Rollback, long before the 60 s window is over.
        $samples[0].Verdict | Should -Be 'Investigate'
        $samples[0].Reasons -join "`n" | Should -Match 'appDown'
        $samples.Count | Should -Be 3
        $samples[-1].Verdict | Should -Be 'Rollback'
        $decision.Verdict | Should -Be 'Rollback'
        $decision.Rule | Should -Be 'crash'
    }

    It '-Until Rollback runs the whole window of a healthy application' {
        $out = Watch-DeploymentHealth -Path $script:config -DeploymentId 'pester-until-2' -Duration ([timespan]::FromSeconds(2)) `
            -Interval ([timespan]::FromMilliseconds(500)) -Until Rollback
        $samples = @($out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] })
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] }

        $samples.Count | Should -BeGreaterOrEqual 2
        $samples.Verdict | Should -Not -Contain 'Rollback'
        $decision.Verdict | Should -Be 'Healthy'
        $decision.SampleCount | Should -Be $samples.Count
    }

    It 'replays a recording to the same verdicts' {
        Watch-DeploymentHealth -Path $script:config -DeploymentId 'pester-3' -Duration ([timespan]::FromSeconds(2)) -Interval ([timespan]::FromMilliseconds(500)) | Out-Null
        $file = Join-Path (Split-Path $script:config) '.deployops/deployments/pester-3/health-samples.jsonl'
        $recorded = Get-Content $file | ForEach-Object { ($_ | ConvertFrom-Json).verdict }

        $replayed = Watch-DeploymentHealth -Path $script:config -Replay $file
        $samples = @($replayed | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] })

        $samples.Count | Should -Be @($recorded).Count
        ($samples | ForEach-Object { $_.Verdict.ToString().ToLowerInvariant() }) -join ',' | Should -Be (($recorded | ForEach-Object { $_.ToLowerInvariant() }) -join ',')
    }

    It 'rejects a deployment id that is not a folder name' {
        { Watch-DeploymentHealth -Path $script:config -DeploymentId '../escape' -Duration ([timespan]::FromSeconds(1)) -ErrorAction Stop } |
            Should -Throw -ErrorId 'HealthDeploymentIdInvalid*'
    }
}

Describe 'Watch-DeploymentHealth -AutoRollback' {
    BeforeAll {
        # An in-place (hotfix) deployment whose steps run the demo app at the deployed version on one port:
        # 1.0.0, then 2.0.0, which then crashes.
        $script:dir = New-TestDirectory 'autorollback'
        New-DemoAppScript -Directory $script:dir | Out-Null
        $script:port = Get-FreePort
        $script:url = "http://127.0.0.1:$($script:port)"
        $script:config = New-HealthConfig -Url $script:url -Directory $script:dir -Extra @"
deployment:
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:port) }
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop:
      - { name: stop, command: "bash ./app.sh stop web1" }
    start:
      - { name: start, command: "bash ./app.sh start web1 {port} {version}" }
"@
        foreach ($version in '1.0.0', '2.0.0') {
            $record = Invoke-Deployment -Path $script:config -Version $version -Strategy Hotfix -Confirm:$false
            $record.Outcome | Should -Be 'Succeeded' -Because "deploying $version is the precondition"
        }
        $script:bad = $record
    }

    It 'rolls the watched deployment back on a Rollback verdict and says so' {
        (Invoke-RestMethod "$($script:url)/version" -TimeoutSec 10).version | Should -Be '2.0.0'
        Stop-TestProcess -Id ([int](Get-Content (Join-Path $script:dir "web1.pid"))) -CommandLike "*DemoApp.dll*"

        $out = Watch-DeploymentHealth -Path $script:config -DeploymentId $script:bad.Id -Interval ([timespan]::FromMilliseconds(300)) `
            -AutoRollback -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] }

        $decision.Verdict | Should -Be 'Rollback'
        $decision.Rule | Should -Be 'crash'
        $decision.DeploymentId | Should -Be $script:bad.Id
        $decision.RollbackTriggered | Should -BeTrue
        ($warnings -join "`n") | Should -Match "Automatic rollback of $($script:bad.Id): Succeeded \(2\.0\.0 -> 1\.0\.0\)"
        ($warnings -join "`n") | Should -Not -Match 'not yet available'
        (Get-Deployment -Path $script:config -Id $script:bad.Id).Outcome | Should -Be 'RolledBack'
        (Invoke-RestMethod "$($script:url)/version" -TimeoutSec 10).version | Should -Be '1.0.0'

        # The record, the decision record and the incident all name and describe the rollback that was triggered.
        $decision.RecordPath | Should -Exist
        (Get-Deployment -Path $script:config -Id $script:bad.Id).DecisionRecordPath | Should -Be $decision.RecordPath
        (Get-Content $decision.RecordPath -Raw | ConvertFrom-Json).rollbackTriggered | Should -BeTrue
        $incident = Join-Path $script:dir ".deployops/incidents/$($script:bad.Id)"
        $copy = Join-Path $incident (Split-Path $decision.RecordPath -Leaf)
        $copy | Should -Exist
        (Split-Path $copy -Leaf) | Should -Match '^decision-\d+\.json$'
        @(Get-ChildItem $incident -Filter 'decision-decision-*') | Should -BeNullOrEmpty
        (Get-Content $copy -Raw | ConvertFrom-Json).rollbackTriggered | Should -BeTrue
        $report = Get-Content (Join-Path $incident 'incident.json') -Raw | ConvertFrom-Json
        $report.decisionRecordPath | Should -Be $decision.RecordPath
        $report.decisionRecord.rollbackTriggered | Should -BeTrue
    }
}
