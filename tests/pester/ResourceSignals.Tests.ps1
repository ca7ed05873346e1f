#Requires -Version 7.4
# Watch-DeploymentHealth with health.resources (issue 16 §2, "Resources"): CPU and memory of the demo application
# as a real process inside a real cgroup v1 memory group with a low limit, judged against that limit, not the host's.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    Get-DemoAppDll | Out-Null

    function script:New-ResourcesConfig([string] $Directory, [string] $Resources, [string] $Rules = '') {
        @"
application: demo
environment: pester
health:
  timeout: 2s
  resources:
$Resources
$Rules
"@ | Set-Content (Join-Path $Directory 'deployops.yaml')
        Join-Path $Directory 'deployops.yaml'
    }

    function script:Get-Samples($Out) { @($Out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] }) }
    function script:Get-Decision($Out) { $Out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] } }
}

AfterAll {
    Remove-TestResources
}

Describe 'Watch-DeploymentHealth: CPU and memory against the cgroup''s limit' {
    BeforeAll {
        # 64 MiB: the demo app idles at a third of it or so; the rule below is set where it must fire.
        $script:group = New-TestMemoryCgroup -LimitBytes 64MB
        $script:dir = New-TestDirectory 'resources'
        $script:app = Start-DemoApp -Cgroup $script:group -Directory $script:dir
        "$($script:app.Process.Id)" | Set-Content (Join-Path $script:dir 'app.pid')
    }

    AfterAll {
        Stop-TestProcess -Process $script:app.Process
    }

    It 'reads cpuPercent and memoryPercent of the app against the group''s memory.limit_in_bytes and decides Investigate over the threshold' {
        $config = New-ResourcesConfig $script:dir '    pidFile: app.pid' @'
  rules:
    - name: memoryPercent
      threshold: 10
'@
        $out = Watch-DeploymentHealth -Path $config -DeploymentId 'pester-resources' -Duration 00:00:03 -Interval 00:00:00.500
        $samples = Get-Samples $out
        $decision = Get-Decision $out

        $samples.Count | Should -BeGreaterOrEqual 2
        $samples | ForEach-Object { $_.Signals.Keys | Should -Contain 'cpuPercent'; $_.Signals.Keys | Should -Contain 'memoryPercent' }
        $usage = [long](Get-Content "$($script:group)/memory.usage_in_bytes")
        $memory = $samples[-1].Signals['memoryPercent']
        $memory | Should -BeGreaterThan 10
        $memory | Should -BeLessOrEqual 100
        # The same bytes against the host's memory would be a fraction of this: the figure is the group's.
        $hostTotal = [long]((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '') * 1KB
        $memory | Should -BeGreaterThan (100 * $usage / $hostTotal * 4)
        $samples[-1].Notes | Where-Object { $_ -like "memoryPercent *of 64 MiB ($($script:group)/memory.limit_in_bytes (cgroup v1 limit))" } | Should -Not -BeNullOrEmpty
        $samples[-1].Notes | Where-Object { $_ -like "cpuPercent *of pid $($script:app.Process.Id) (dotnet)*host CPUs*" } | Should -Not -BeNullOrEmpty

        $decision.Verdict | Should -Be 'Investigate'
        $decision.Rule | Should -Be 'memoryPercent'
        $decision.Threshold | Should -Be 10
        $decision.RecordPath | Should -Exist
        (Get-Content $decision.RecordPath -Raw | ConvertFrom-Json).reasons | Where-Object { $_ -like '*memory.limit_in_bytes (cgroup v1 limit)*' } | Should -Not -BeNullOrEmpty
    }

    It 'stays Healthy under the seeds'' 80 % default, and a vanished pid file is Inconclusive (not enough evidence), not an error' {
        $config = New-ResourcesConfig $script:dir '    pidFile: app.pid'
        $healthy = Get-Decision (Watch-DeploymentHealth -Path $config -Duration 00:00:02 -Interval 00:00:00.500)
        $healthy.Verdict | Should -Be 'Healthy'

        $missing = New-ResourcesConfig $script:dir '    pidFile: gone.pid'
        $out = Watch-DeploymentHealth -Path $missing -Duration 00:00:01 -Interval 00:00:00.500 -ErrorAction Stop
        (Get-Decision $out).Verdict | Should -Be 'Inconclusive'
        (Get-Samples $out)[0].Reasons | Where-Object { $_ -like "memoryPercent unreadable (pid file $($script:dir)/gone.pid cannot be read*" } | Should -Not -BeNullOrEmpty
    }

    It 'refuses resources with both pidFile and process, naming the file and line' {
        $config = New-ResourcesConfig $script:dir "    pidFile: app.pid`n    process: dotnet"
        { Watch-DeploymentHealth -Path $config -Duration 00:00:01 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*deployops.yaml:6:*health.resources: give one of pidFile:*"
    }
}
