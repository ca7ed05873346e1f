#Requires -Version 7.4
# Adopting an nginx an admin already runs blue/green by hand (issue 13 §1): a private nginx serving an upstream file
# with no DeployOps marker, blue live (1.0.0) and green down. Invoke-Deployment must read that file the way nginx does
# and deploy to green while a poller through nginx sees only 2xx; a file that does not say which slot is live must be
# refused with TrafficStateUnknown (file:line) until the one-time Switch-DeploymentTraffic -Adopt.
# Set DEPLOYOPS_ADOPTION_COUNTS to a file path to get the poller's status counts as JSON.

Describe 'Adopting a hand-written nginx upstream' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:dir = New-TestDirectory 'adopt'
        New-DemoAppScript -Directory $script:dir | Out-Null
        $script:prefix = Join-Path $script:dir 'nginx'
        New-Item -ItemType Directory -Path (Join-Path $script:prefix 'conf.d/servers') -Force | Out-Null
        $script:bluePort = Get-FreePort; $script:greenPort = Get-FreePort
        $script:upstream = Join-Path $script:prefix 'conf.d/app-upstream.conf'
        # Written by an admin: comments, a relative include (resolved against nginx's conf directory), no marker.
        "server 127.0.0.1:$($script:greenPort) down;   # green: idle`n" | Set-Content (Join-Path $script:prefix 'conf.d/servers/green.inc')
        @"
# blue/green by hand: swap 'down' between the two slots and reload
upstream app {
    server 127.0.0.1:$($script:bluePort) max_fails=3 fail_timeout=5s;   # blue: live
    include conf.d/servers/*.inc;
}
"@ | Set-Content $script:upstream
        & bash (Join-Path $script:dir 'app.sh') start blue $script:bluePort 1.0.0
        Wait-Port -Port $script:bluePort -TimeoutSeconds 90 -LogPath (Join-Path $script:dir 'blue.out')
        $script:proxy = Start-TestNginx -Prefix $script:prefix
        $script:url = "http://127.0.0.1:$($script:proxy.Port)/version"
        $script:config = Join-Path $script:dir 'deployops.yaml'
        @"
application: adopt
environment: test
deployment:
  slots:
    blue: { host: 127.0.0.1, port: $($script:bluePort) }
    green: { host: 127.0.0.1, port: $($script:greenPort) }
  traffic:
    upstreamFile: $($script:upstream)
    upstreamName: app
    nginx: $($script:proxy.Nginx)
    nginxArguments: "-p $($script:prefix)/ -c $($script:proxy.Conf)"
    probeUrl: $($script:url)
    drainDelay: 500ms
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {slot}" } ]
    start: [ { name: start, command: "bash ./app.sh start {slot} {port} {version}" } ]
    smoke: [ { name: version, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@ | Set-Content $script:config

        function script:Get-LiveVersion { (Invoke-RestMethod $script:url -TimeoutSec 20).version }
        function script:Get-DirectVersion([int] $Port) { (Invoke-RestMethod "http://127.0.0.1:$Port/version" -TimeoutSec 20).version }

        # Replaces the upstream file by hand and reloads nginx, as the admin would.
        function script:Set-UpstreamByHand([string] $Text) {
            $Text | Set-Content $script:upstream -NoNewline
            & $script:proxy.Nginx -p "$($script:prefix)/" -c $script:proxy.Conf -s reload 2>&1 | Out-Null
            $LASTEXITCODE | Should -Be 0
        }

        # Samples GET /version through nginx on a thread, a new connection per request (so an nginx reload closing
        # idle keep-alive connections is not counted against the switch); 0 = no HTTP answer at all.
        function script:Start-Poller {
            $state = [hashtable]::Synchronized(@{ Stop = $false; Codes = [System.Collections.Concurrent.ConcurrentQueue[int]]::new() })
            $job = Start-ThreadJob -ArgumentList $script:url, $state -ScriptBlock {
                param($url, $state)
                $handler = [System.Net.Http.SocketsHttpHandler]::new()
                $handler.PooledConnectionLifetime = [TimeSpan]::Zero
                $client = [System.Net.Http.HttpClient]::new($handler)
                $client.Timeout = [TimeSpan]::FromSeconds(10)
                while (-not $state.Stop) {
                    try {
                        $response = $client.GetAsync($url).GetAwaiter().GetResult()
                        $state.Codes.Enqueue([int]$response.StatusCode)
                        $response.Dispose()
                    }
                    catch { $state.Codes.Enqueue(0) }
                    Start-Sleep -Milliseconds 20
                }
                $client.Dispose()
            }
            [pscustomobject]@{ Job = $job; State = $state }
        }
        function script:Stop-Poller($Poller) {
            $Poller.State.Stop = $true
            Wait-Job $Poller.Job -Timeout 30 | Out-Null
            Remove-Job $Poller.Job -Force
            $byStatus = [ordered]@{}
            foreach ($group in @($Poller.State.Codes.ToArray()) | Group-Object | Sort-Object Name) { $byStatus["$($group.Name)"] = $group.Count }
            Write-Host ("  through nginx during the deployment: {0}" -f (($byStatus.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ' '))
            if ($env:DEPLOYOPS_ADOPTION_COUNTS) { $byStatus | ConvertTo-Json | Set-Content $env:DEPLOYOPS_ADOPTION_COUNTS }
            $byStatus
        }

        # The ErrorRecord a command stops with.
        function script:Get-Failure([scriptblock] $Command) {
            try { & $Command; $null } catch { $_ }
        }
    }

    AfterAll {
        Remove-TestResources
    }

    It 'deploys to green, the slot nginx sends no traffic to, and users through nginx only ever get a 2xx' {
        Get-LiveVersion | Should -Be '1.0.0'
        $bluePid = Get-Content (Join-Path $script:dir 'blue.pid')

        $poller = Start-Poller
        try { $record = Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 2.0.0 -Confirm:$false }
        finally { $byStatus = Stop-Poller $poller }

        $record.Outcome | Should -Be 'Succeeded'
        $record.Phases.Name | Should -Contain 'deploy:green'
        $record.Phases.Name | Should -Not -Contain 'deploy:blue'
        @($byStatus.Keys | Where-Object { $_ -ne '200' }) | Should -BeNullOrEmpty -Because 'the live slot must never be stopped'
        $byStatus['200'] | Should -BeGreaterThan 10
        Get-LiveVersion | Should -Be '2.0.0'
        Get-Content (Join-Path $script:dir 'blue.pid') | Should -Be $bluePid
        Get-DirectVersion $script:bluePort | Should -Be '1.0.0'
        Get-Content $script:upstream -Raw | Should -Match '# deployops-backends: '
    }

    It 'refuses a hand-written file with both slots live with TrafficStateUnknown naming file:line, and changes nothing' {
        $ambiguous = "upstream app {`n    server 127.0.0.1:$($script:bluePort);`n    server 127.0.0.1:$($script:greenPort);`n}`n"
        Set-UpstreamByHand $ambiguous

        $deploy = Get-Failure { Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 3.0.0 -Confirm:$false -ErrorAction Stop }
        $deploy.FullyQualifiedErrorId | Should -BeLike 'TrafficStateUnknown,*'
        $deploy.Exception.Message | Should -BeLike "*$($script:upstream):3: more than one slot takes traffic*"
        $deploy.Exception.Message | Should -BeLike '*Switch-DeploymentTraffic -To blue|green -Adopt*'
        $switch = Get-Failure { Switch-DeploymentTraffic -Path $script:config -To green -Confirm:$false -ErrorAction Stop }
        $switch.FullyQualifiedErrorId | Should -BeLike 'TrafficStateUnknown,*'

        Get-Content $script:upstream -Raw | Should -Be $ambiguous
        Test-Path (Join-Path $script:dir 'blue.pid') | Should -BeTrue
        Get-DirectVersion $script:greenPort | Should -Be '2.0.0'
    }

    It 'adopts the file once with -Adopt (-WhatIf first changes nothing), after which deployments work again' {
        $ambiguous = Get-Content $script:upstream -Raw
        Switch-DeploymentTraffic -Path $script:config -To green -Adopt -WhatIf
        Get-Content $script:upstream -Raw | Should -Be $ambiguous

        $change = Switch-DeploymentTraffic -Path $script:config -To green -Adopt -Confirm:$false
        $change.From | Should -Be '(hand-written file, adopted)'
        $change.To | Should -Match 'green .* weight=100'
        Get-Content $script:upstream -Raw | Should -Match '# deployops-backends: '
        Get-LiveVersion | Should -Be '2.0.0'

        $record = Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 3.0.0 -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded'
        $record.Phases.Name | Should -Contain 'deploy:blue'
        Get-LiveVersion | Should -Be '3.0.0'
    }
}
