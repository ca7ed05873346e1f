#Requires -Version 7.4
# traffic.provider: haproxy in real pwsh against the staged module: a private haproxy (foreground, admin socket in a
# temp folder, stopped by PID) in front of two demo-app slots. Invoke-Deployment and Switch-DeploymentTraffic move
# traffic over the runtime API without a reload; a missing socket is a clear RouterUnavailable error. Canary (each
# weight step confirmed through haproxy with its figures) and an in-place hotfix of the live slot under load run end
# to end; the hotfix's failed-request count is printed (Write-Host).

Describe 'Traffic through haproxy' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:dir = New-TestDirectory 'haproxy'
        New-DemoAppScript -Directory $script:dir | Out-Null
        $script:bluePort = Get-FreePort; $script:greenPort = Get-FreePort; $script:proxyPort = Get-FreePort
        & bash (Join-Path $script:dir 'app.sh') start blue $script:bluePort 1.0.0
        Wait-Port -Port $script:bluePort -TimeoutSeconds 90 -LogPath (Join-Path $script:dir 'blue.out')
        $haproxy = Get-RequiredProgram -Candidates /usr/sbin/haproxy, haproxy -Install 'apt-get install -y haproxy'
        $script:socket = Join-Path $script:dir 'admin.sock'
        $cfg = Join-Path $script:dir 'haproxy.cfg'
        # The haproxy.cfg docs/deployment.md shows: the idle slot starts disabled, weights survive a reload via the state file.
        @"
global
    stats socket $($script:socket) mode 600 level admin
    server-state-file $($script:dir)/server-state
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 5s
    # A refused connect is retried 1 s apart: a short in-place restart of the only server is held, not failed.
    retries 10
    load-server-state-from-file global
frontend web
    bind 127.0.0.1:$($script:proxyPort)
    default_backend shop
backend shop
    balance roundrobin
    option httpchk GET /health
    # fall 50 x 200ms: a restart of up to 10 s does not mark the only server down (haproxy would answer 503 at once).
    server blue 127.0.0.1:$($script:bluePort) weight 100 check inter 200ms rise 2 fall 50
    server green 127.0.0.1:$($script:greenPort) weight 100 check inter 200ms rise 2 fall 50 disabled
"@ | Set-Content $cfg
        $script:haproxy = Start-TestProcess -FilePath $haproxy -ArgumentList '-db', '-f', $cfg -Directory $script:dir -Name 'haproxy'
        Wait-Port -Port $script:proxyPort -TimeoutSeconds 30 -Process $script:haproxy -LogPath (Join-Path $script:dir 'haproxy.err')
        Wait-Until -Because 'the haproxy admin socket' -Condition { Test-Path $script:socket }
        $script:config = Join-Path $script:dir 'deployops.yaml'
        @"
application: pester
environment: test
deployment:
  slots:
    blue: { host: 127.0.0.1, port: $($script:bluePort) }
    green: { host: 127.0.0.1, port: $($script:greenPort) }
  traffic:
    provider: haproxy
    probeUrl: http://127.0.0.1:$($script:proxyPort)/version
    haproxy:
      socket: admin.sock
      backend: shop
      stateFile: server-state
      drainTimeout: 10s
  readiness: { timeout: 90s, interval: 200ms }
  canary:
    steps: [50]
    pause: 500ms
    gate: { use: healthEndpoint, sampleInterval: 100ms }
    onInconclusive: fail
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {slot}" } ]
    start: [ { name: start, command: "bash ./app.sh start {slot} {port} {version}" } ]
    smoke: [ { name: version, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@ | Set-Content $script:config
        function script:Get-LiveVersion { (Invoke-RestMethod "http://127.0.0.1:$($script:proxyPort)/version" -TimeoutSec 20).version }
    }

    AfterAll {
        Remove-TestResources
    }

    It 'validates the haproxy section' {
        Test-DeploymentConfig -Path $script:config -Quiet | Should -BeTrue
    }

    It 'deploys blue-green through haproxy without a new haproxy process' {
        $record = Invoke-Deployment -Path $script:config -Version 2.0.0 -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded'
        ($record.Phases | Where-Object Name -eq 'traffic:green').Status | Should -Be 'Succeeded'
        1..10 | ForEach-Object { Get-LiveVersion } | Sort-Object -Unique | Should -Be '2.0.0'
        $script:haproxy.HasExited | Should -BeFalse
        # The state file haproxy loads on a reload: green running and ready, blue in forced drain (admin state 8).
        $state = Get-Content (Join-Path $script:dir 'server-state') -Raw
        $state | Should -Match ' green 127\.0\.0\.1 2 4 100 '
        $state | Should -Match ' blue 127\.0\.0\.1 2 8 100 '
    }

    It 'switches back with Switch-DeploymentTraffic' {
        $change = Switch-DeploymentTraffic -Path $script:config -To blue -Confirm:$false
        $change.To | Should -Match "blue 127\.0\.0\.1:$($script:bluePort) weight=100"
        1..10 | ForEach-Object { Get-LiveVersion } | Sort-Object -Unique | Should -Be '1.0.0'
    }

    It 'needs -ChangeTicket where changeControl says so, then audits and notifies the switch with its reason and ticket' {
        $receiver = Start-NotificationReceiver -Directory (New-TestDirectory 'haproxy-notify')
        $ticketed = Join-Path $script:dir 'ticketed.yaml'
        (Get-Content $script:config -Raw) + @"
changeControl:
  requireChangeTicket: true
notifications:
  timeout: 5s
  retries: 0
  targets:
    - { name: hook, type: webhook, url: "$($receiver.Url)/hook" }
"@ | Set-Content $ticketed
        { Switch-DeploymentTraffic -Path $ticketed -To green -Reason 'try again' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ChangeRecordRequired*' -ExpectedMessage '*-ChangeTicket (changeControl.requireChangeTicket)*'
        Get-LiveVersion | Should -Be '1.0.0'

        $change = Switch-DeploymentTraffic -Path $ticketed -To green -Reason 'verify 2.0.0 again' -ChangeTicket 'CHG-9' -Confirm:$false
        $change.ChangeTicket | Should -Be 'CHG-9'
        $change.Reason | Should -Be 'verify 2.0.0 again'
        1..10 | ForEach-Object { Get-LiveVersion } | Sort-Object -Unique | Should -Be '2.0.0'
        $audit = Get-Content (Join-Path $script:dir '.deployops/audit.jsonl') | ConvertFrom-Json |
            Where-Object { $_.command -eq 'Switch-DeploymentTraffic' -and $_.outcome -eq 'Succeeded' } | Select-Object -Last 1
        $audit.details.changeTicket | Should -Be 'CHG-9'
        $audit.details.reason | Should -Be 'verify 2.0.0 again'
        Wait-Until -Because 'the trafficSwitched notification' -Condition {
            Read-NotificationReceiver $receiver | Where-Object { $_.kind -eq 'http' -and ($_.item.Body | ConvertFrom-Json).event -eq 'trafficSwitched' }
        }
        $sent = Read-NotificationReceiver $receiver | ForEach-Object { $_.item.Body | ConvertFrom-Json } | Where-Object event -eq 'trafficSwitched'
        $sent.fields.ticket | Should -Be 'CHG-9'
        $sent.text | Should -BeLike '*blue → green*'
        Switch-DeploymentTraffic -Path $script:config -To blue -Confirm:$false | Out-Null   # as the next test expects
    }

    It 'names a missing admin socket as RouterUnavailable' {
        $broken = Join-Path $script:dir 'broken.yaml'
        (Get-Content $script:config -Raw) -replace 'socket: admin.sock', 'socket: missing.sock' | Set-Content $broken
        { Switch-DeploymentTraffic -Path $broken -To green -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'RouterUnavailable*' -ExpectedMessage "*missing.sock*level admin*"
        Get-LiveVersion | Should -Be '1.0.0'
    }

    It 'shows the router check of each canary step in the -WhatIf plan and changes nothing' {
        $plan = Invoke-Deployment -Path $script:config -Version 3.0.0 -Strategy Canary -WhatIf
        foreach ($step in 'canary:50%', 'canary:100%') {
            ($plan | Where-Object Phase -eq $step).Details |
                Should -Contain "then: at least 20 request(s) through http://127.0.0.1:$($script:proxyPort)/version; none may fail at the router and every version with a weight above 0 must answer, else the canary goes back to 0%"
        }
        Get-LiveVersion | Should -Be '1.0.0'
    }

    It 'canaries through haproxy: half the traffic to the new slot, a gate, then all of it, with no new haproxy process' {
        $haproxyPid = $script:haproxy.Id
        $record = Invoke-Deployment -Path $script:config -Version 3.0.0 -Strategy Canary -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded' -Because $record.Error
        $record.Phases.Name | Where-Object { $_ -notin 'before-deploy', 'after-deploy' } | Should -Be @('deploy:green', 'verify:green', 'canary:50%', 'gate:50%', 'canary:100%', 'post-verify')
        ($record.Phases | Where-Object Name -eq 'gate:50%').Detail | Should -Match '^Pass: '
        # Each weight step is confirmed through haproxy with its figures: none failed, both versions (only the new at 100%) answered.
        ($record.Phases | Where-Object Name -eq 'canary:50%').Detail | Should -Match "router check: 0 of \d+ request\(s\) through \S+ failed; answered by '1\.0\.0' x[1-9]\d*, '3\.0\.0' x[1-9]\d*$"
        ($record.Phases | Where-Object Name -eq 'canary:100%').Detail | Should -Match "router check: 0 of \d+ request\(s\) through \S+ failed; answered by '3\.0\.0' x[1-9]\d*$"
        ($record.Phases | Where-Object Name -eq 'post-verify').Detail | Should -Match '^router check: 0 of 20 request\(s\)'
        1..10 | ForEach-Object { Get-LiveVersion } | Sort-Object -Unique | Should -Be '3.0.0'
        $script:haproxy.HasExited | Should -BeFalse
        $script:haproxy.Id | Should -Be $haproxyPid
    }

    # The live slot is haproxy's only server: while it restarts, haproxy retries each refused connect (retries 10,
    # 1 s apart) and its check (fall 50 x 200ms) keeps it up, so requests are held instead of failed.
    It 'hotfixes the live slot in place under load through haproxy: requests are held, none fails, and it says how' {
        $load = Start-CountingLoad -Url "http://127.0.0.1:$($script:proxyPort)/api/work" -TimeoutSeconds 30
        try {
            $record = Invoke-Deployment -Path $script:config -Version 3.0.1 -Strategy Hotfix -Confirm:$false `
                -WarningVariable warnings -WarningAction SilentlyContinue
        }
        finally { $counts = Stop-CountingLoad $load }
        Write-Host ("HaproxyTraffic hotfix under load (retries, no maintenance): {0}" -f (Format-LoadCounts $counts))

        $record.Outcome | Should -Be 'Succeeded' -Because $record.Error
        $record.Phases.Name | Where-Object { $_ -notin 'before-deploy', 'after-deploy' } | Should -Be @('hotfix:green', 'smoke:green', 'router-check')
        ($record.Phases | Where-Object Name -eq 'router-check').Detail | Should -Match '^router check: 0 of 20 request\(s\)'
        @($warnings | ForEach-Object { "$_" }) -match '^\[hotfix:green\] green is the only backend taking traffic and restarts in place: haproxy holds each request' |
            Should -Not -BeNullOrEmpty
        $failed = ($counts.GetEnumerator() | Where-Object Name -ne '200' | Measure-Object -Property Value -Sum).Sum
        [int]$failed | Should -Be 0 -Because (Format-LoadCounts $counts)
        Get-LiveVersion | Should -Be '3.0.1'
    }

    # The honest figure without the hold: a second haproxy in front of the same slots with haproxy's own defaults
    # (retries 3) and a fast check (fall 3 x 200ms) marks the restarting server down and answers 503 until it is back.
    It 'hotfixes under load through a haproxy without the hold settings: the failed requests are counted and reported' {
        $port = Get-FreePort
        $socket = Join-Path $script:dir 'admin-defaults.sock'
        $cfg = Join-Path $script:dir 'haproxy-defaults.cfg'
        @"
global
    stats socket $socket mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 5s
frontend web
    bind 127.0.0.1:$port
    default_backend shop
backend shop
    option httpchk GET /health
    server blue 127.0.0.1:$($script:bluePort) weight 100 check inter 200ms rise 2 fall 3 disabled
    server green 127.0.0.1:$($script:greenPort) weight 100 check inter 200ms rise 2 fall 3
"@ | Set-Content $cfg
        $haproxy = Get-RequiredProgram -Candidates /usr/sbin/haproxy, haproxy -Install 'apt-get install -y haproxy'
        $process = Start-TestProcess -FilePath $haproxy -ArgumentList '-db', '-f', $cfg -Directory $script:dir -Name 'haproxy-defaults'
        Wait-Port -Port $port -TimeoutSeconds 30 -Process $process -LogPath (Join-Path $script:dir 'haproxy-defaults.err')
        Wait-Until -Because 'the second haproxy to serve green' -Condition {
            try { (Invoke-RestMethod "http://127.0.0.1:$port/version" -TimeoutSec 5).version -eq '3.0.1' } catch { $false } }
        $config = Join-Path $script:dir 'defaults.yaml'
        (Get-Content $script:config -Raw) -replace "probeUrl: http://127.0.0.1:$($script:proxyPort)/", "probeUrl: http://127.0.0.1:$port/" `
            -replace 'socket: admin.sock', 'socket: admin-defaults.sock' -replace '      stateFile: server-state\r?\n', '' | Set-Content $config

        $load = Start-CountingLoad -Url "http://127.0.0.1:$port/api/work" -TimeoutSeconds 30
        try {
            $record = Invoke-Deployment -Path $config -Version 3.0.2 -Strategy Hotfix -Confirm:$false `
                -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        }
        finally { $counts = Stop-CountingLoad $load }
        Write-Host ("HaproxyTraffic hotfix under load (haproxy defaults: retries 3, fall 3 x 200ms): {0}" -f (Format-LoadCounts $counts))

        # The slot is back on the new version either way; what users saw in between is in the counts and the warning.
        @($warnings | ForEach-Object { "$_" }) -match 'a restart longer than that fails requests through the router' | Should -Not -BeNullOrEmpty
        ($record.Phases | Where-Object Name -eq 'smoke:green').Status | Should -Be 'Succeeded'
        Wait-Until -TimeoutSeconds 30 -Because 'haproxy to serve green again' -Condition {
            try { (Invoke-RestMethod "http://127.0.0.1:$port/version" -TimeoutSec 5).version -eq '3.0.2' } catch { $false } }
    }
}
