#Requires -Version 7.4
# Watch-DeploymentHealth against the demo application started as a real process (needs the dotnet SDK or runtime).
BeforeAll {
    Import-Module $env:DEPLOYOPS_MODULE_PATH -Force

    $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:dotnet = Get-Command dotnet -ErrorAction SilentlyContinue
    $script:demoDll = $null
    if ($script:dotnet) {
        # Built once by Invoke-PesterSuites.ps1 / the build scripts (DEPLOYOPS_DEMOAPP_DLL); run on its own, the suite
        # builds it into a temporary folder (--artifacts-path keeps obj/ out of examples/).
        $script:demoDll = $env:DEPLOYOPS_DEMOAPP_DLL
        if (-not $script:demoDll -or -not (Test-Path $script:demoDll)) {
            $out = Join-Path $TestDrive 'demo'
            & dotnet build (Join-Path $script:root 'examples/DemoApp/DemoApp.csproj') -c Release -o (Join-Path $out 'bin') `
                --artifacts-path (Join-Path $out 'artifacts') --nologo -v quiet | Out-Null
            $script:demoDll = Join-Path $out 'bin/DemoApp.dll'
        }
    }

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    function Start-DemoApp {
        $port = Get-FreePort
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet', "`"$script:demoDll`" --urls http://127.0.0.1:$port")
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['DEMO_VERSION'] = 'pester'
        $process = [System.Diagnostics.Process]::Start($psi)
        $deadline = (Get-Date).AddSeconds(30)
        while ((Get-Date) -lt $deadline) {
            try { Invoke-RestMethod "http://127.0.0.1:$port/health" -TimeoutSec 2 | Out-Null; break } catch { Start-Sleep -Milliseconds 200 }
        }
        [pscustomobject]@{ Process = $process; Url = "http://127.0.0.1:$port" }
    }

    function New-HealthConfig([string] $Url) {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory $dir | Out-Null
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
"@ | Set-Content (Join-Path $dir 'deployops.yaml')
        Join-Path $dir 'deployops.yaml'
    }
}

Describe 'Watch-DeploymentHealth' {
    BeforeEach {
        if (-not $script:demoDll -or -not (Test-Path $script:demoDll)) {
            Set-ItResult -Skipped -Because 'the dotnet SDK is needed to build and run examples/DemoApp'
            return
        }
        $script:app = Start-DemoApp
        $script:config = New-HealthConfig $script:app.Url
        # Steady real traffic, the evidence the error-rate and latency rules need.
        $script:load = Start-ThreadJob -ArgumentList $script:app.Url -ScriptBlock {
            param($url)
            while ($true) {
                try { Invoke-WebRequest "$url/api/work" -TimeoutSec 2 | Out-Null } catch { Start-Sleep -Milliseconds 100 }
                Start-Sleep -Milliseconds 20
            }
        }
        Start-Sleep -Milliseconds 500
    }

    AfterEach {
        if ($script:load) { Stop-Job $script:load; Remove-Job $script:load -Force }
        if ($script:app -and -not $script:app.Process.HasExited) { $script:app.Process.Kill(); $script:app.Process.WaitForExit(10000) | Out-Null }
    }

    It 'emits a HealthSample per interval and a Healthy decision for a healthy application' {
        $out = Watch-DeploymentHealth -Path $script:config -DeploymentId 'pester-1' -Duration ([timespan]::FromSeconds(3)) -Interval ([timespan]::FromMilliseconds(500))
        $samples = @($out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] })
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] }

        $samples.Count | Should -BeGreaterOrEqual 4
        $samples.Verdict | Should -Not -Contain 'Rollback'
        $samples[-1].Verdict | Should -Be 'Healthy'
        $decision.Verdict | Should -Be 'Healthy'
        $samples[-1].Phase | Should -Be 'early'
        Join-Path (Split-Path $script:config) '.deployops/deployments/pester-1/health-samples.jsonl' | Should -Exist
    }

    It 'stops on a Rollback verdict when the application crashes, and says automatic rollback is not available yet' {
        $watch = {
            Watch-DeploymentHealth -Path $script:config -DeploymentId 'pester-2' -Interval ([timespan]::FromMilliseconds(300)) -AutoRollback -WarningVariable warnings -WarningAction SilentlyContinue
            $script:warnings = $warnings
        }
        $script:app.Process.Kill(); $script:app.Process.WaitForExit(10000) | Out-Null
        $out = & $watch
        $decision = $out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthDecision] }

        $decision.Verdict | Should -Be 'Rollback'
        $decision.Rule | Should -Be 'crash'
        $decision.RecordPath | Should -Exist
        ($script:warnings -join "`n") | Should -Match 'not yet available'
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
        { Watch-DeploymentHealth -Path $script:config -DeploymentId '../escape' -Duration ([timespan]::FromSeconds(1)) } |
            Should -Throw -ErrorId 'HealthDeploymentIdInvalid*'
    }
}
