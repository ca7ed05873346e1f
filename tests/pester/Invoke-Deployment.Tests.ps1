#Requires -Version 7.4
# Invoke-Deployment, Switch-DeploymentTraffic, Resume-/Approve-Deployment against a private nginx and two demo-app
# slots started by the configured steps. Fails with the install command when nginx or dotnet is missing. The demo
# app comes from DEPLOYOPS_DEMOAPP_DLL or is built into a temp folder (TestSupport.ps1), never into the source tree.

Describe 'Invoke-Deployment' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:dir = New-TestDirectory 'deploy'
        New-DemoAppScript -Directory $script:dir | Out-Null   # app.sh, called by the start/stop steps; its pids are stopped in AfterAll
        $prefix = Join-Path $script:dir 'nginx'
        New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d') -Force | Out-Null
        $script:bluePort = Get-FreePort; $script:greenPort = Get-FreePort
        # The upstream file DeployOps owns, written once by hand for the first start (blue live).
        @"
# deployops-backends: [{"name":"blue","host":"127.0.0.1","port":$($script:bluePort),"weight":100},{"name":"green","host":"127.0.0.1","port":$($script:greenPort),"weight":0}]
upstream app {
    server 127.0.0.1:$($script:bluePort) weight=100;
    server 127.0.0.1:$($script:greenPort) down;
}
"@ | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
        & bash (Join-Path $script:dir 'app.sh') start blue $script:bluePort 1.0.0
        Wait-Port -Port $script:bluePort -TimeoutSeconds 90 -LogPath (Join-Path $script:dir 'blue.out')
        $script:proxy = Start-TestNginx -Prefix $prefix
        $script:nginx = $script:proxy.Nginx; $script:proxyPort = $script:proxy.Port; $conf = $script:proxy.Conf
        $script:config = Join-Path $script:dir 'deployops.yaml'
        @"
application: pester
environment: test
deployment:
  slots:
    blue: { host: 127.0.0.1, port: $($script:bluePort) }
    green: { host: 127.0.0.1, port: $($script:greenPort) }
  traffic:
    upstreamFile: $prefix/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($script:nginx)
    nginxArguments: "-p $prefix/ -c $conf"
    probeUrl: http://127.0.0.1:$($script:proxyPort)/version
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {slot}" } ]
    start: [ { name: start, command: "bash ./app.sh start {slot} {port} {version}" } ]
    smoke: [ { name: version, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@ | Set-Content $script:config
        # What nginx serves. A transport error is retried (bounded, 60s): on a loaded machine a freshly started slot
        # can take that long to answer its first request.
        function script:Get-LiveVersion {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ($true) {
                try { return (Invoke-RestMethod "http://127.0.0.1:$($script:proxyPort)/version" -TimeoutSec 20).version }
                catch { if ([DateTime]::UtcNow -gt $deadline) { throw }; Start-Sleep -Milliseconds 500 }
            }
        }
    }

    AfterAll {
        Remove-TestResources
    }

    It 'shows the plan under -WhatIf and changes nothing' {
        $plan = Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 2.0.0 -WhatIf
        # The standard hooks (backup/maintenance before, leave maintenance after) are phases of every deployment.
        $plan.Phase | Should -Be @('before-deploy', 'deploy:green', 'verify:green', 'traffic:green', 'post-verify', 'after-deploy')
        ($plan | Where-Object Phase -eq 'deploy:green').Target | Should -Be 'green'
        Test-Path (Join-Path $script:dir 'green.pid') | Should -BeFalse
        ($plan | Where-Object MovesTraffic).Phase | Should -Be 'traffic:green'
        Get-LiveVersion | Should -Be '1.0.0'
    }

    It 'deploys blue-green and returns a succeeded record' {
        $record = Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 2.0.0 -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded'
        $record.Phases.Name | Should -Contain 'traffic:green'
        Get-LiveVersion | Should -Be '2.0.0'
        (Get-Deployment -Path $script:config -Id $record.Id).Outcome | Should -Be 'Succeeded'
    }

    It 'switches traffic back on its own with Switch-DeploymentTraffic' {
        $change = Switch-DeploymentTraffic -Path $script:config -To blue -Confirm:$false
        $change.To | Should -Match 'blue .* weight=100'
        Get-LiveVersion | Should -Be '1.0.0'
    }

    It 'fails with a named error when the slot does not exist' {
        { Switch-DeploymentTraffic -Path $script:config -To purple -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'SlotNotFound*'
    }

    It 'reports that nothing is waiting for approval' {
        { Approve-Deployment -Path $script:config -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ApprovalNotPending*'
    }

    It 'canaries through nginx, confirming each weight step through the router with its figures' {
        $canary = Join-Path $script:dir 'canary.yaml'
        (Get-Content $script:config -Raw) + @"
  canary:
    steps: [25]
    pause: 500ms
    gate: { use: healthEndpoint, sampleInterval: 100ms }
    onInconclusive: fail
"@ | Set-Content $canary
        $record = Invoke-Deployment -Path $canary -Strategy Canary -Version 3.0.0 -Confirm:$false -Verbose 4>&1 |
            Tee-Object -Variable output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $record.Outcome | Should -Be 'Succeeded' -Because $record.Error
        $record.Phases.Name | Should -Contain 'gate:25%'
        ($record.Phases | Where-Object Name -eq 'canary:25%').Detail |
            Should -Match "router check: 0 of \d+ request\(s\) through \S+ failed; answered by '1\.0\.0' x[1-9]\d*, '3\.0\.0' x[1-9]\d*$"
        ($record.Phases | Where-Object Name -eq 'canary:100%').Detail | Should -Match "answered by '3\.0\.0' x[1-9]\d*$"
        @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -match '^\[canary:25%\] router check: 0 of ' |
            Should -Not -BeNullOrEmpty
        Get-LiveVersion | Should -Be '3.0.0'
    }
}
