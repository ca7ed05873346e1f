#Requires -Version 7.4
<#
.SYNOPSIS
    Verifies a deployment's health for N minutes with Watch-DeploymentHealth, as a Pester suite a pipeline can gate on.
.EXAMPLE
    $container = New-PesterContainer -Path ./examples/verify-deployment-health.Tests.ps1 -Data @{
        ConfigPath = './deployops.yaml'; Minutes = 10; DeploymentId = $env:DEPLOYMENT_ID }
    Invoke-Pester -Container $container -Output Detailed
#>
param(
    [string] $ConfigPath = $(if ($env:DEPLOYOPS_CONFIG) { $env:DEPLOYOPS_CONFIG } else { './deployops.yaml' }),
    [double] $Minutes = $(if ($env:DEPLOYOPS_HEALTH_MINUTES) { [double]$env:DEPLOYOPS_HEALTH_MINUTES } else { 5 }),
    [string] $DeploymentId = $env:DEPLOYOPS_DEPLOYMENT_ID
)

BeforeAll {
    if ($env:DEPLOYOPS_MODULE_PATH) { Import-Module $env:DEPLOYOPS_MODULE_PATH -Force } else { Import-Module DeployOps }

    $watch = @{ Path = $ConfigPath; Duration = [timespan]::FromMinutes($Minutes) }
    if ($DeploymentId) { $watch.DeploymentId = $DeploymentId }
    # -Duration keeps the watch going after a Rollback verdict, so the whole window is judged and recorded.
    $script:output = Watch-DeploymentHealth @watch
    $script:samples = @($script:output | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] })
    $script:decision = $script:output | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] } | Select-Object -Last 1
}

Describe "Deployment health over $Minutes minute(s)" {
    # A gate passes only on evidence: every It below fails when the watch produced no samples or no decision.
    It 'took samples' {
        $script:samples.Count | Should -BeGreaterThan 0 -Because 'a watch that saw nothing proves nothing'
    }

    It 'reached a decision based on those samples' {
        $script:decision | Should -Not -BeNullOrEmpty -Because 'Watch-DeploymentHealth returns a HealthDecision at the end of the window'
        $script:decision.SampleCount | Should -BeGreaterThan 0 -Because 'the decision must rest on at least one sample'
    }

    It 'never reached a Rollback verdict' {
        $script:samples.Count | Should -BeGreaterThan 0 -Because 'a watch that saw nothing proves nothing'
        $script:decision | Should -Not -BeNullOrEmpty
        foreach ($sample in $script:samples) {
            $sample.Verdict | Should -Not -Be Rollback -Because "at T+$($sample.Elapsed): $($sample.Reasons -join '; ')"
        }
        $script:decision.Verdict | Should -Not -Be Rollback -Because $script:decision.ToString()
    }

    It 'had enough evidence at the end of the window' {
        $script:samples.Count | Should -BeGreaterThan 0 -Because 'a watch that saw nothing proves nothing'
        $script:decision | Should -Not -BeNullOrEmpty
        $script:decision.SampleCount | Should -BeGreaterThan 0
        $script:samples[-1].Verdict | Should -Not -Be Inconclusive -Because ($script:samples[-1].Reasons -join '; ')
        $script:decision.Verdict | Should -Not -Be Inconclusive -Because ($script:decision.Reasons -join '; ')
    }

    It 'needs no investigation' {
        $script:decision | Should -Not -BeNullOrEmpty
        $script:decision.Verdict | Should -Be Healthy -Because "decision record: $($script:decision.RecordPath)"
    }
}
