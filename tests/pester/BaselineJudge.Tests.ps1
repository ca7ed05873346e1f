#Requires -Version 7.4
# The comparative judge (health.compare: baseline) through the staged module: -Replay of a labelled scenario shows
# the explanation (both versions' counts, the test, the thresholds, the window) in the samples, the decision and its
# default view; configuration mistakes name file, line and key.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:scenarios = Join-Path (Get-RepositoryRoot) 'tests/judge-scenarios'

    function script:New-JudgeConfig([string] $Health) {
        $dir = New-TestDirectory 'judge'
        @"
application: demo
environment: pester
endpoints:
  app: http://127.0.0.1:9
health:
  probes: [app]
$Health
"@ | Set-Content (Join-Path $dir 'deployops.yaml')
        Join-Path $dir 'deployops.yaml'
    }
}

AfterAll {
    Remove-TestResources
}

Describe 'Watch-DeploymentHealth -Replay with compare: baseline' {
    BeforeAll {
        $script:config = New-JudgeConfig '  compare: baseline'
    }

    It 'judges a 2x error regression against its baseline and explains the verdict' {
        $out = Watch-DeploymentHealth -Path $script:config -Replay (Join-Path $script:scenarios 'errors-2x-at-1pct.jsonl')
        $samples = @($out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] })
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] } | Select-Object -Last 1

        $samples.Count | Should -Be 10
        $decision.Verdict | Should -Be 'Rollback'
        $decision.Rule | Should -Be 'errorRateVsBaseline'
        $comparison = $decision.Comparisons | Where-Object Rule -eq 'errorRateVsBaseline'
        $comparison.Outcome | Should -Be 'Fail'
        $comparison.Canary.Requests | Should -BeGreaterThan 1000
        $comparison.Baseline.Requests | Should -BeGreaterThan 1000
        $comparison.Canary.ErrorRate | Should -BeGreaterThan $comparison.Baseline.ErrorRate
        $comparison.PValue | Should -BeLessThan 0.05
        $comparison.Test | Should -BeLike 'Fisher exact*'
        $comparison.Window | Should -Be ([timespan]::FromMinutes(5))
        $comparison.Explanation | Should -Match 'canary \d+/\d+ errors .* vs baseline \d+/\d+ errors .*fails from'

        # The default views show it: the decision's table names the comparisons, a comparison lists its evidence.
        ($decision | Out-String -Width 250) | Should -Match 'errorRateVsBaseline Fail'
        $list = $comparison | Out-String -Width 250
        $list | Should -Match 'Canary\s+: canary \d+/\d+ errors'
        $list | Should -Match 'PValue'
        $list | Should -Match 'Window\s+: 5m'
        ($samples[0] | Out-String -Width 400) | Should -Match 'errorRateVsBaseline'
    }

    It 'stays Inconclusive when the canary''s traffic stops mid-analysis and says so' {
        $out = Watch-DeploymentHealth -Path $script:config -Replay (Join-Path $script:scenarios 'flagger-1011-traffic-stops.jsonl') -Verbose 4>&1
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] } | Select-Object -Last 1
        $decision.Verdict | Should -Be 'Inconclusive'
        ($decision.Reasons -join "`n") | Should -Match 'traffic to the canary dropped|too little evidence'
        @($out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] -and $_.Reasons -match 'traffic to the canary dropped' }).Count |
            Should -BeGreaterThan 0
    }

    It 'passes a self-comparison in the scenario set' {
        $decision = Watch-DeploymentHealth -Path $script:config -Replay (Join-Path $script:scenarios 'self-4pct-bad-dependency.jsonl') |
            Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] } | Select-Object -Last 1
        $decision.Verdict | Should -Be 'Healthy'
        @($decision.Comparisons | Where-Object Outcome -ne 'Pass').Count | Should -Be 0
    }

    It 'without compare: baseline the same recording has no comparison' {
        $plain = New-JudgeConfig ''
        $decision = Watch-DeploymentHealth -Path $plain -Replay (Join-Path $script:scenarios 'errors-2x-at-1pct.jsonl') |
            Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] } | Select-Object -Last 1
        @($decision.Comparisons).Count | Should -Be 0
    }
}

Describe 'compare: baseline configuration errors' {
    It 'names the file, line and key of a wrong value' {
        $bad = New-JudgeConfig @'
  compare: baseline
  rules:
    - name: errorRateVsBaseline
      allowedIncrease: 20ms
'@
        $err = { Watch-DeploymentHealth -Path $bad -Replay (Join-Path $script:scenarios 'self-1pct.jsonl') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigInvalid*' -PassThru
        $err.Exception.Message | Should -Match 'deployops\.yaml.*:1[0-9]'
        $err.Exception.Message | Should -Match 'health\.rules\[0\]\.allowedIncrease'
        $err.Exception.Message | Should -Match "expected percentage points like 0.5%, got '20ms'"
    }
}

Describe 'Watch-DeploymentHealth help' {
    It 'documents the comparative judge' {
        $help = Get-Help Watch-DeploymentHealth -Full | Out-String -Width 200
        $help | Should -Match 'compare: baseline'
    }
}
