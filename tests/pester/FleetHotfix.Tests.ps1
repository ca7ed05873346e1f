#Requires -Version 7.4
# A hotfix on named hosts (Invoke-Deployment -Strategy Hotfix -Target): three network namespaces with sshd and the
# demo app (FleetSupport.ps1), one instance on each, one nginx here in front of the three. Only the named host's
# instance changes version; the others keep running the same process. The record says which host got the version,
# and Invoke-Rollback of the hotfix redeploys only that host.

Describe 'Invoke-Deployment -Strategy Hotfix -Target over SSH' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        . (Join-Path $PSScriptRoot 'FleetSupport.ps1')
        Import-DeployOpsUnderTest
        $script:dir = New-TestDirectory 'fleethotfix'
        $script:fleet = New-TestFleet -Count 3 -Directory $script:dir
        $script:app = New-DemoAppScript -Directory $script:dir
        $script:port = Get-FreePort   # the same port on every host: each has its own network namespace
        $h = $script:fleet.Hosts
        $prefix = Join-Path $script:dir 'nginx'
        New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d') -Force | Out-Null
        $backends = @(for ($i = 0; $i -lt 3; $i++) { @{ name = "app$($i + 1)"; host = $h[$i].Address; port = $script:port; weight = 1 } })
        @"
# deployops-backends: $($backends | ConvertTo-Json -Compress)
upstream app {
$(($h | ForEach-Object { "    server $($_.Address):$($script:port) weight=1;" }) -join "`n")
}
"@ | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
        $script:proxy = Start-TestNginx -Prefix $prefix
        $labels = 'rack-a', 'rack-b', 'rack-b'
        $targets = for ($i = 0; $i -lt 3; $i++) {
            "  h$($i + 1): { address: $($h[$i].Address), user: root, identityFile: $($script:fleet.ClientKey), knownHosts: $($script:fleet.KnownHosts), connectTimeout: 5s, labels: [$($labels[$i])] }"
        }
        $script:config = Join-Path $script:dir 'deployops.yaml'
        @"
application: fleethotfix
environment: test
targets:
$($targets -join "`n")
deployment:
  strategy: rolling
  instances:
$((1..3 | ForEach-Object { "    - { name: app$_, target: h$_, port: $($script:port) }" }) -join "`n")
  traffic:
    upstreamFile: $prefix/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($script:proxy.Nginx)
    nginxArguments: "-p $prefix/ -c $($script:proxy.Conf)"
    probeUrl: http://127.0.0.1:$($script:proxy.Port)/version
    verifyRequests: 5
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash $($script:app) stop {instance}" } ]
    start: [ { name: start, command: "bash $($script:app) start {instance} {port} {version} {host}" } ]
    smoke: [ { name: version, retries: 20, retryDelay: 500ms, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@ | Set-Content $script:config
        function script:Get-HostVersion([int] $Index) {
            try { (Invoke-RestMethod "http://$($h[$Index].Address):$($script:port)/version" -TimeoutSec 10).version } catch { 'down' }
        }
        function script:Get-AppPid([int] $Number) { Get-Content (Join-Path $script:dir "app$Number.pid") -TotalCount 1 }
        for ($i = 0; $i -lt 3; $i++) { Start-FleetApp -TestHost $h[$i] -App $script:app -Instance "app$($i + 1)" -Port $script:port }
        # What runs now is the baseline the hotfix's rollback goes back to.
        $script:baseline = Invoke-Deployment -Path $script:config -Version 1.0.0 -RecordOnly -Confirm:$false
    }

    AfterAll {
        Remove-TestResources
    }

    It 'plans only the named hosts: a name, a label' {
        $plan = @(Invoke-Deployment -Path $script:config -Strategy Hotfix -Target h2 -Version 2.0.1 -WhatIf)
        $plan.Phase | Should -Contain 'hotfix:app2'
        $plan.Phase | Should -Contain 'smoke:app2'
        $plan.Phase | Where-Object { $_ -match 'app1|app3' } | Should -BeNullOrEmpty
        $byLabel = @(Invoke-Deployment -Path $script:config -Strategy Hotfix -Target rack-b -Version 2.0.1 -WhatIf)
        ($byLabel.Phase | Where-Object { $_ -like 'hotfix:*' }) | Should -Be @('hotfix:app2', 'hotfix:app3')
        0..2 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('1.0.0', '1.0.0', '1.0.0')
    }

    It 'completes -Target with the target names and labels of the configuration' {
        $complete = { param($Line) (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
        & $complete "Invoke-Deployment -Path '$($script:config)' -Strategy Hotfix -Target h" | Should -Be @('h1', 'h2', 'h3')
        & $complete "Invoke-Deployment -Path '$($script:config)' -Strategy Hotfix -Target rack" | Should -Be @('rack-a', 'rack-b')
    }

    It 'refuses a name that is no target, listing the targets and labels, and -Target with another strategy' {
        $record = Invoke-Deployment -Path $script:config -Strategy Hotfix -Target h2, web9 -Version 2.0.1 -Confirm:$false `
            -ErrorAction SilentlyContinue -ErrorVariable unknown
        $record | Should -BeNullOrEmpty
        $unknown[0].FullyQualifiedErrorId | Should -BeLike 'HotfixTargetInvalid*'
        $unknown[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $unknown[0].TargetObject | Should -Be 'web9'
        "$($unknown[0])" | Should -Match "'web9' is neither a target nor a label \(targets: h1, h2, h3; labels: rack-a, rack-b\)"
        Invoke-Deployment -Path $script:config -Strategy Rolling -Target h1 -Version 2.0.1 -WhatIf -ErrorAction SilentlyContinue -ErrorVariable wrong |
            Should -BeNullOrEmpty
        $wrong[0].FullyQualifiedErrorId | Should -BeLike 'HotfixTargetInvalid*'
        "$($wrong[0])" | Should -Match 'only a hotfix can be restricted to named hosts, not Rolling'
        (Get-DeploymentHistory -Path $script:config).Count | Should -Be 1   # the baseline only: nothing was recorded
        (Get-Help Invoke-Deployment -Parameter Target | Out-String) | Should -Match 'HotfixTargetInvalid'
    }

    It 'hotfixes h2 only: its instance gets the version, h1 and h3 keep theirs and their processes' {
        $before = @{ 1 = Get-AppPid 1; 3 = Get-AppPid 3 }
        $record = Invoke-Deployment -Path $script:config -Strategy Hotfix -Target h2 -Version 2.0.1 -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded'
        0..2 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('1.0.0', '2.0.1', '1.0.0')
        (Get-AppPid 1), (Get-AppPid 3) | Should -Be @($before[1], $before[3])
        $record.Fields['hotfixTargets'] | Should -Be 'h2'
        $record.Fields['version@app2'] | Should -Be '2.0.1 on h2'
        $record.Fields.Keys | Where-Object { $_ -in 'version@app1', 'version@app3' } | Should -BeNullOrEmpty
        $record.Phases.Name | Should -Contain 'router-check'
        (Get-Deployment -Path $script:config -Id $record.Id).Fields['version@app2'] | Should -Be '2.0.1 on h2'
        $script:hotfix = $record
    }

    It 'rolls the hotfix back on h2 only' {
        $before = @{ 1 = Get-AppPid 1; 3 = Get-AppPid 3 }
        $result = Invoke-Rollback -Path $script:config -DeploymentId $script:hotfix.Id -Confirm:$false
        $result.Status | Should -Be 'Succeeded'
        $result.ToVersion | Should -Be '1.0.0'
        ($result.Actions -join "`n") | Should -Match 'app2'
        ($result.Actions -join "`n") | Should -Not -Match 'redeploy:app[13]'
        0..2 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('1.0.0', '1.0.0', '1.0.0')
        (Get-AppPid 1), (Get-AppPid 3) | Should -Be @($before[1], $before[3])
    }
}
