#Requires -Version 7.4
# traffic.provider: haproxy in real pwsh against the staged module: a private haproxy (foreground, admin socket in a
# temp folder, stopped by PID) in front of two demo-app slots. Invoke-Deployment and Switch-DeploymentTraffic move
# traffic over the runtime API without a reload; a missing socket is a clear RouterUnavailable error.

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
    load-server-state-from-file global
frontend web
    bind 127.0.0.1:$($script:proxyPort)
    default_backend shop
backend shop
    balance roundrobin
    option httpchk GET /health
    server blue 127.0.0.1:$($script:bluePort) weight 100 check inter 200ms rise 2 fall 3
    server green 127.0.0.1:$($script:greenPort) weight 100 check inter 200ms rise 2 fall 3 disabled
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
}
