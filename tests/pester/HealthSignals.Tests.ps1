#Requires -Version 7.4
# Watch-DeploymentHealth with the runbooks' further signals (issue 16 §2, issue 13 §4): a custom rule on a scraped
# metric, the application-log signal and the throughput-drop rule, against the demo application as a real process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    Get-DemoAppDll | Out-Null

    function script:New-SignalsConfig([string] $Url, [string] $Directory, [string] $RateBefore = '') {
        $before = if ($RateBefore) { "    requestRateBefore: $RateBefore" } else { '' }
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
$before
  logs:
    - file: app.log
  rules:
    - name: piledUp
      metric: demo_active_connections
      comparison: atLeast
      threshold: 3
      severity: investigate
    - name: throughputDrop
      threshold: 90%
      for: 2s
      severity: rollback
"@ | Set-Content (Join-Path $Directory 'deployops.yaml')
        Join-Path $Directory 'deployops.yaml'
    }

    function script:Add-LogLinesAfterFirstSample {
        <# Passes the watch's output on; when its first sample arrives, appends the lines (stamped now, whole seconds, as many applications do). #>
        param([Parameter(ValueFromPipeline)] $InputObject, [string] $Path, [string[]] $Line)
        begin { $written = $false }
        process {
            if (-not $written -and $InputObject -is [DeployOps.Engine.Health.HealthSample]) {
                $stamp = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ')
                $Line | ForEach-Object { "$stamp $_" } | Add-Content $Path
                $written = $true
            }
            $InputObject
        }
    }
    function script:Get-Samples($Out) { @($Out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] }) }
    function script:Get-Decision($Out) { $Out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] } }
}

AfterAll {
    Remove-TestResources
}

Describe 'Watch-DeploymentHealth: custom rules, application logs and throughput' {
    BeforeEach {
        $script:app = Start-DemoApp
        $script:dir = New-TestDirectory 'signals'
        $script:log = Join-Path $script:dir 'app.log'
        $stamp = [DateTime]::UtcNow.AddMinutes(-2).ToString('yyyy-MM-ddTHH:mm:ssZ')
        "$stamp INFO started`n$stamp ERROR cache warm-up took 1200 ms" | Set-Content $script:log
        $script:load = Start-Load $script:app.Url
        Start-Sleep -Milliseconds 500
        # The request rate before the "deployment": measured by a first watch on the same real traffic.
        $measured = Get-Samples (Watch-DeploymentHealth -Path (New-SignalsConfig $script:app.Url $script:dir) -Duration 00:00:03 -Interval 00:00:00.500)
        $rates = @($measured | ForEach-Object { $_.Signals['requestRate'] } | Where-Object { $_ -gt 0 } | Sort-Object)
        $rates.Count | Should -BeGreaterOrEqual 2
        $text = [string]::Format([cultureinfo]::InvariantCulture, '{0:0.###}', $rates[[int][math]::Floor($rates.Count / 2)])
        $script:before = [double]::Parse($text, [cultureinfo]::InvariantCulture)
        $script:config = New-SignalsConfig $script:app.Url $script:dir $text
    }

    AfterEach {
        Stop-Load $script:load
        Stop-TestProcess -Process $script:app.Process
    }

    It 'reads the custom rule''s metric, the log and the rate before, and stays Healthy on unchanged traffic with a single known error' {
        # The error is written once the watch has taken its first sample: surely after its start, whatever the load.
        $out = Watch-DeploymentHealth -Path $script:config -Duration 00:00:04 -Interval 00:00:01 |
            Add-LogLinesAfterFirstSample -Path $script:log -Line "ERROR cache warm-up took 900 ms"
        $samples = Get-Samples $out

        $samples.Count | Should -BeGreaterOrEqual 2
        $samples | ForEach-Object { $_.Signals.Keys | Should -Contain 'piledUp' }
        $samples | ForEach-Object { $_.Signals['requestRateBefore'] | Should -Be $script:before }
        ($samples | ForEach-Object { $_.Signals['logErrorRate'] } | Measure-Object -Sum).Sum | Should -BeGreaterThan 0
        $samples | ForEach-Object { $_.Signals['logNewPatterns'] | Should -Be 0 }
        $samples.Verdict | Should -Not -Contain 'Rollback'
        (Get-Decision $out).Verdict | Should -BeIn 'Healthy', 'Investigate'
        # Throughput jitter on a loaded machine may investigate (a rollback needs 90 % less for 2 s), never a log or custom-rule finding.
        $samples.Reasons | Where-Object { $_ -match '^(logNewPattern|logErrorSpike|piledUp):' } | Should -BeNullOrEmpty
    }

    It 'a slowdown rolls back on the throughput drop, the new error pattern and the piled-up requests investigate, and -Replay agrees' {
        Invoke-RestMethod -Method Post "$($script:app.Url)/admin/faults" -ContentType 'application/json' -Body '{"latencyMs":2000}' | Out-Null
        $slow = 1..3 | ForEach-Object { Start-ThreadJob -ArgumentList $script:app.Url -ScriptBlock { param($u) try { Invoke-WebRequest "$u/slow?ms=10000" -TimeoutSec 20 | Out-Null } catch { } } }
        $out = Watch-DeploymentHealth -Path $script:config -DeploymentId 'pester-signals' -Duration 00:00:08 -Interval 00:00:01 |
            Add-LogLinesAfterFirstSample -Path $script:log -Line 'ERROR NullReferenceException in CartController id=41', 'ERROR NullReferenceException in CartController id=42'
        $slow | ForEach-Object { Wait-Job $_ -Timeout 30 | Remove-Job -Force }
        $samples = Get-Samples $out
        $decision = Get-Decision $out

        $decision.Verdict | Should -Be 'Rollback'
        $decision.Rule | Should -Be 'throughputDrop'
        $decision.Value | Should -BeGreaterThan 90
        $decision.RecordPath | Should -Exist
        (Get-Content $decision.RecordPath -Raw | ConvertFrom-Json).rule | Should -Be 'throughputDrop'
        $samples.Reasons | Where-Object { $_ -like 'logNewPattern:*' } | Should -Not -BeNullOrEmpty
        $samples.Notes | Where-Object { $_ -like '*NullReferenceException in CartController id=#*' } | Should -Not -BeNullOrEmpty
        $samples.Reasons | Where-Object { $_ -like 'piledUp: piledUp*' } | Should -Not -BeNullOrEmpty

        $replayed = Watch-DeploymentHealth -Path $script:config -Replay (Join-Path $script:dir '.deployops/deployments/pester-signals/health-samples.jsonl')
        (Get-Decision $replayed).Verdict | Should -Be 'Rollback'
        (Get-Decision $replayed).Rule | Should -Be 'throughputDrop'
    }

    It 'refuses a custom rule on a signal no source provides, naming the file and line' {
        (Get-Content $script:config -Raw) -replace 'metric: demo_active_connections', 'signal: demoActiveConections' | Set-Content $script:config
        { Watch-DeploymentHealth -Path $script:config -Duration 00:00:01 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*deployops.yaml:15:15: health.rules?0?.signal: no source provides signal 'demoActiveConections'*"
    }
}
