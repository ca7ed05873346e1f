#Requires -Version 7.4
# examples/deploy-watch-rollback.ps1 run for real, as a scheduler runs it (`pwsh -File`, exit code checked), against
# the demo app deployed in place: a healthy release stays and exits 0; a release that goes bad (100% errors under
# load) is rolled back to the previous version, which serves again, and the runbook exits with the rollback's code.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:pwsh = Get-PwshPath
    $script:runbook = Join-Path (Get-RepositoryRoot) 'examples/deploy-watch-rollback.ps1'
    # The runbook imports DeployOps by name, as an installed module: the staged module's folder goes on PSModulePath.
    $script:modules = Split-Path (Split-Path $env:DEPLOYOPS_MODULE_PATH)

    function script:New-Application {
        $dir = New-TestDirectory 'watchrollback'
        New-DemoAppScript -Directory $dir | Out-Null
        $port = Get-FreePort
        @"
application: demo
environment: pester
endpoints:
  app: http://127.0.0.1:$port
health:
  minRequests: 5
  timeout: 2s
  interval: 500ms
  scrape:
    targets: [app]
  probes: [app]
  rules:
    - { name: errorRate, for: 1s }
deployment:
  instances:
    - { name: web1, host: 127.0.0.1, port: $port }
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop:
      - { name: stop, command: "bash ./app.sh stop web1" }
    start:
      - { name: start, command: "bash ./app.sh start web1 {port} {version}" }
"@ | Set-Content (Join-Path $dir 'deployops.yaml')
        $config = Join-Path $dir 'deployops.yaml'
        (Invoke-Deployment -Path $config -Version 1.0.0 -Strategy Hotfix -Confirm:$false).Outcome | Should -Be 'Succeeded'
        [pscustomobject]@{ Dir = $dir; Config = $config; Url = "http://127.0.0.1:$port" }
    }


    function script:Invoke-Runbook($App, [string] $Version) {
        $out = Join-Path $App.Dir 'runbook.out'
        $p = Start-Process -FilePath $script:pwsh -PassThru -WorkingDirectory $App.Dir `
            -ArgumentList '-NoProfile', '-NonInteractive', '-Command',
                "`$env:PSModulePath = '$($script:modules)' + [IO.Path]::PathSeparator + `$env:PSModulePath; & '$($script:runbook)' -Path '$($App.Config)' -Version $Version -Strategy Hotfix -WatchFor 12s -ReportPath '$($App.Dir)'; exit `$LASTEXITCODE" `
            -RedirectStandardOutput $out -RedirectStandardError (Join-Path $App.Dir 'runbook.err')
        if (-not $p.WaitForExit(240000)) { Stop-TestProcess -Process $p; throw 'the runbook did not finish within 240 s' }
        $p.WaitForExit()
        [pscustomobject]@{ ExitCode = $p.ExitCode; Output = (Get-Content $out -Raw) + (Get-Content (Join-Path $App.Dir 'runbook.err') -Raw) }
    }
}

AfterAll { Remove-TestResources }

Describe 'examples/deploy-watch-rollback.ps1' {
    It 'keeps a healthy release and exits 0' {
        $app = New-Application
        $load = Start-Load $app.Url
        try { $run = Invoke-Runbook $app '2.0.0' } finally { Stop-Load $load }
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match '2\.0\.0 is healthy'
        (Invoke-RestMethod "$($app.Url)/version" -TimeoutSec 10).version | Should -Be '2.0.0'
        $last = Get-DeploymentHistory -Path $app.Config -Last 1
        $last.Outcome | Should -Be 'Succeeded'
        # -ReportPath: the signed-off checklist of the run, with the health samples it watched.
        $report = Get-Content (Join-Path $app.Dir "$($last.Id).html") -Raw
        $report | Should -Match '<span id="version">2\.0\.0</span>'
        $report | Should -Match 'id="decision">Decision: <span class="Healthy">'
    }

    It 'rolls a release that goes bad back to the previous version and exits with the rollback''s code' {
        $app = New-Application
        $load = Start-Load $app.Url
        try { $run = Invoke-Runbook $app '2.0.0-faulty' } finally { Stop-Load $load }
        $run.Output | Should -Match 'Unhealthy at T\+.*errorRate'
        $run.ExitCode | Should -Be 0 -Because "a clean rollback exits 0:`n$($run.Output)"
        (Invoke-RestMethod "$($app.Url)/version" -TimeoutSec 10).version | Should -Be '1.0.0'
        $bad = Get-DeploymentHistory -Path $app.Config | Where-Object Version -EQ '2.0.0-faulty'
        $bad.Outcome | Should -Be 'RolledBack'
        $run.Output | Should -Match 'Deployment report: '
        $report = Get-Content (Join-Path $app.Dir "$($bad.Id).html") -Raw
        $report | Should -Match '<td class="RolledBack">RolledBack</td>'
        $report | Should -Match 'rollback started'              # marked on the health chart
        $report | Should -Match 'id="decision">Decision: <span class="Rollback">'
    }
}
