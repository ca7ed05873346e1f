#Requires -Version 7.4
# Deploying to a fleet over SSH, in real pwsh against the staged module: four hosts, each a network namespace of its
# own with its own sshd and demo application (bound to the host's address), behind one nginx on the operator's host
# (this namespace). Rolling across the four with one host failing within the budget, a changed host key refused
# before anything runs, and a host dropped off the network mid-rollout. Fails with the install command when sshd,
# nginx or dotnet is missing, and says so when network namespaces cannot be created (needs root).

Describe 'Invoke-Deployment across hosts over SSH' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        . (Join-Path $PSScriptRoot 'FleetSupport.ps1')
        Import-DeployOpsUnderTest
        $script:dir = New-TestDirectory 'fleet'
        $script:fleet = New-TestFleet -Count 4 -Directory $script:dir
        $script:app = New-FleetAppScript -Directory $script:dir
        $script:port = Get-FreePort   # the same port on every host: each has its own network namespace
        $hosts = $script:fleet.Hosts
        $prefix = Join-Path $script:dir 'nginx'
        New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d') -Force | Out-Null
        $backends = @(for ($i = 0; $i -lt 4; $i++) { @{ name = "app$($i + 1)"; host = $hosts[$i].Address; port = $script:port; weight = 1 } })
        @"
# deployops-backends: $($backends | ConvertTo-Json -Compress)
upstream app {
$(($hosts | ForEach-Object { "    server $($_.Address):$($script:port) weight=1;" }) -join "`n")
}
"@ | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
        $script:proxy = Start-TestNginx -Prefix $prefix

        function script:Write-FleetConfig([string] $Path, [string] $KnownHosts, [int] $Hosts = 4, [string] $MaxFail = '25%') {
            $targets = for ($i = 0; $i -lt $Hosts; $i++) {
                "  h$($i + 1): { address: $($script:fleet.Hosts[$i].Address), user: root, identityFile: $($script:fleet.ClientKey), knownHosts: $KnownHosts, connectTimeout: 5s }"
            }
            $instances = for ($i = 0; $i -lt $Hosts; $i++) { "    - { name: app$($i + 1), target: h$($i + 1), port: $($script:port) }" }
            @"
application: fleet
environment: test
targets:
$($targets -join "`n")
deployment:
  strategy: rolling
  instances:
$($instances -join "`n")
  rolling: { maxUnavailable: 1, maxFailPercent: $MaxFail }
  traffic:
    upstreamFile: $($script:proxy.Prefix)/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($script:proxy.Nginx)
    nginxArguments: "-p $($script:proxy.Prefix)/ -c $($script:proxy.Conf)"
    probeUrl: http://127.0.0.1:$($script:proxy.Port)/version
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash $($script:app) stop {instance}" } ]
    install: [ { name: preflight, command: "test ! -e $($script:dir)/broken-{instance} || { echo 'disk full on {instance}' >&2; exit 3; }" } ]
    start: [ { name: start, command: "bash $($script:app) start {instance} {host} {port} {version}" } ]
    smoke: [ { name: version, retries: 20, retryDelay: 500ms, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@ | Set-Content $Path
            $Path
        }
        $script:config = Write-FleetConfig (Join-Path $script:dir 'deployops.yaml') $script:fleet.KnownHosts
        function script:Get-HostVersion([int] $Index) {
            try { (Invoke-RestMethod "http://$($script:fleet.Hosts[$Index].Address):$($script:port)/version" -TimeoutSec 10).version } catch { 'down' }
        }
        # What runs before DeployOps arrives: 1.0.0 on every host.
        for ($i = 0; $i -lt 4; $i++) { Start-FleetApp -TestHost $hosts[$i] -App $script:app -Instance "app$($i + 1)" -Port $script:port }
        $script:first = Invoke-Deployment -Path $script:config -Strategy Rolling -Version 1.1.0 -Confirm:$false
    }

    AfterAll {
        Remove-TestResources
    }

    It 'rolls 1.1.0 onto every host over ssh, each app bound to its own host address' {
        $script:first.Outcome | Should -Be 'Succeeded'
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('1.1.0', '1.1.0', '1.1.0', '1.1.0')
        # The app really runs inside the host's namespace: its address exists only there.
        $pid1 = [int](Get-Content (Join-Path $script:dir 'app1.pid'))
        (& ip netns identify $pid1) | Should -Be "dof$($script:fleet.Hosts[0].Name)"
    }

    It 'rolls 2.0.0 across four hosts, keeps the one that fails out of rotation, and serves without failed requests' {
        New-Item -ItemType File -Path (Join-Path $script:dir 'broken-app3') | Out-Null
        $load = Start-CountedLoad "http://127.0.0.1:$($script:proxy.Port)"
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $record = Invoke-Deployment -Path $script:config -Strategy Rolling -Version 2.0.0 -Confirm:$false `
                -ErrorAction SilentlyContinue -ErrorVariable problems
            $clock.Stop()
        }
        finally { $counts = Stop-CountedLoad $load; Remove-Item (Join-Path $script:dir 'broken-app3') }
        Write-Host ("    fleet rollout (4 hosts, 1 failing): {0:0.0}s; through the router: {1} requests, {2} failed {3}" -f
            $clock.Elapsed.TotalSeconds, $counts.Total, $counts.Failed, ($counts.Errors | Select-Object -First 3))

        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DeploymentStepFailed*'
        $problems[0].Exception.Message | Should -Match '(?s)app3 failed and stays out of rotation .*exit code 3.*disk full on app3'
        $record.Fields['failedInstances'] | Should -Be 'app3'
        # The journal says which host runs which version.
        $record.Fields['version@app1'] | Should -Be '2.0.0 on h1'
        $record.Fields['version@app4'] | Should -Be '2.0.0 on h4'
        $record.Fields.ContainsKey('version@app3') | Should -BeFalse
        (Get-Deployment -Path $script:config -Id $record.Id).Fields['version@app2'] | Should -Be '2.0.0 on h2'
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('2.0.0', '2.0.0', 'down', '2.0.0')
        $counts.Failed | Should -Be 0
        $counts.Total | Should -BeGreaterThan 10
    }

    It 'refuses a host whose key changed, names it, and runs nothing there' {
        $forged = Join-Path $script:dir 'forged'
        & ssh-keygen -q -t ed25519 -N '' -f $forged
        $kh = Join-Path $script:dir 'known_hosts.changed'
        $lines = Get-Content $script:fleet.KnownHosts
        $fake = (Get-Content "$forged.pub" -Raw).Trim() -split ' '
        $lines[1] = "$($script:fleet.Hosts[1].Address) $($fake[0]) $($fake[1])"
        Set-Content $kh $lines
        $changed = Write-FleetConfig (Join-Path $script:dir 'changed.yaml') $kh -MaxFail '50%'
        # app3 stayed down after the previous rollout; a rolling update needs the rest of the fleet serving.
        Start-FleetApp -TestHost $script:fleet.Hosts[2] -App $script:app -Instance app3 -Port $script:port -Version 2.0.0
        $before = Get-HostVersion 1

        $record = Invoke-Deployment -Path $changed -Strategy Rolling -Version 3.0.0 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused

        $record.Outcome | Should -Not -Be 'Succeeded'
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'TargetHostKeyRejected*'
        $refused[0].Exception.Message | Should -Match 'host h2 .*host key does not match'
        # Within the 50% budget an ordinary failure would have let h3 and h4 go on: a changed key stops the rollout.
        Get-HostVersion 1 | Should -Be $before
        Get-HostVersion 2 | Should -Be '2.0.0'
        Get-HostVersion 3 | Should -Be '2.0.0'
    }

    It 'stops within its budget when a host drops off the network mid-rollout, naming the host' {
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Not -Contain 'down'
        # app2's install step waits until the test has taken h2 off the network.
        $gate = Join-Path $script:dir 'h2-entered'
        $slow = Write-FleetConfig (Join-Path $script:dir 'drop.yaml') $script:fleet.KnownHosts -MaxFail '0%'
        (Get-Content $slow -Raw).Replace("name: preflight, command: `"", "name: preflight, command: `"[ {instance} != app2 ] || { touch $gate; sleep 60; }; ") |
            Set-Content $slow
        $job = Start-ThreadJob -ArgumentList $env:DEPLOYOPS_MODULE_PATH, $slow -ScriptBlock {
            param($module, $config)
            Import-Module $module
            $r = Invoke-Deployment -Path $config -Strategy Rolling -Version 4.0.0 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e
            [pscustomobject]@{ Record = $r; Errors = @($e) }
        }
        try {
            Wait-Until -TimeoutSeconds 120 -Because 'app2 to enter its install step' -Condition { Test-Path $gate }
            Set-TestHostLink -Fleet $script:fleet -TestHost $script:fleet.Hosts[1] -Down
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $result = $job | Wait-Job -Timeout 120 | Receive-Job
            $clock.Stop()
        }
        finally {
            Set-TestHostLink -Fleet $script:fleet -TestHost $script:fleet.Hosts[1]
            Remove-Job $job -Force
        }
        $result | Should -Not -BeNullOrEmpty
        $result.Record.Outcome | Should -Be 'Failed'
        $errorIds = $result.Errors | ForEach-Object { $_.FullyQualifiedErrorId }
        ($errorIds -join ' ') | Should -Match 'RollingFailureBudgetExceeded'
        ($result.Errors | ForEach-Object { $_.Exception.Message }) -join "`n" | Should -Match 'host h2 .*unreachable'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 60   # noticed by ssh's keep-alives, not the 60 s sleep
        $result.Record.Fields['version@app1'] | Should -Be '4.0.0 on h1'
        Get-HostVersion 2 | Should -Not -Be '4.0.0'   # the rollout stopped before app3
        # Nothing keeps running on the host that dropped: the remote step's group ended with the connection.
        Wait-Until -TimeoutSeconds 30 -Because 'the step left on h2 to end' -Condition {
            -not (Get-Process sleep -ErrorAction SilentlyContinue | Where-Object { (& ip netns identify $_.Id) -eq "dof$($script:fleet.Hosts[1].Name)" })
        }
    }
}
