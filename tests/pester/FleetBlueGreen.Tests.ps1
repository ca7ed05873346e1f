#Requires -Version 7.4
# Blue-green where each slot is a set of hosts: blue on h1+h2, green on h3+h4 (four network namespaces with sshd and
# the demo app, FleetSupport.ps1), one nginx on this host in front of all four. The idle slot is deployed and
# verified host by host, then the router switches all four servers at once; requests through it are counted during
# the switch (goal: 0 failed). Invoke-Rollback switches back to the slot that kept running.

Describe 'Blue-green across 2+2 hosts over SSH' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        . (Join-Path $PSScriptRoot 'FleetSupport.ps1')
        Import-DeployOpsUnderTest
        Initialize-SlotFleetStage -Name 'fleetbg' -Strategy blueGreen
    }

    AfterAll {
        Remove-TestResources
    }

    It 'plans the idle slot host by host and the switch of all four servers' {
        $plan = Invoke-Deployment -Path $script:config -Version 2.0.0 -WhatIf 6>&1 | Out-String
        $plan | Should -Match 'deploy:green\.h3'
        $plan | Should -Match 'deploy:green\.h4'
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('1.0.0', '1.0.0', 'down', 'down')
    }

    It 'deploys 2.0.0 to green on h3 and h4, switches the router to both, and no request fails' {
        $load = Start-CountedLoad "http://127.0.0.1:$($script:proxy.Port)"
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $script:record = Invoke-Deployment -Path $script:config -Version 2.0.0 -Confirm:$false
            $clock.Stop()
        }
        finally { $counts = Stop-CountedLoad $load }
        Write-Host ("    blue-green 2+2 hosts: {0:0.0}s; through the router: {1} requests, {2} failed {3}" -f
            $clock.Elapsed.TotalSeconds, $counts.Total, $counts.Failed, ($counts.Errors | Select-Object -First 3))

        $script:record.Outcome | Should -Be 'Succeeded'
        $script:record.Phases.Name | Should -Contain 'deploy:green.h3'
        $script:record.Phases.Name | Should -Contain 'verify:green.h4'
        $script:record.Phases.Name | Should -Contain 'traffic:green'
        $script:record.Fields['activeSlot'] | Should -Be 'green'
        # Green runs the new version on its hosts; blue keeps the old one for an instant switch back.
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('1.0.0', '1.0.0', '2.0.0', '2.0.0')
        $upstream = Get-Content (Join-Path $script:proxy.Prefix 'conf.d/app-upstream.conf') -Raw
        $upstream | Should -Match "server $([regex]::Escape($script:fleet.Hosts[2].Address)):$($script:port) weight=100"
        $upstream | Should -Match "server $([regex]::Escape($script:fleet.Hosts[0].Address)):$($script:port) down"
        (Invoke-RestMethod "http://127.0.0.1:$($script:proxy.Port)/version" -TimeoutSec 5).version | Should -Be '2.0.0'
        $counts.Failed | Should -Be 0
        $counts.Total | Should -BeGreaterThan 10
    }

    It 'deploys 3.0.0 back to blue, and Invoke-Rollback switches the router to green, which kept running on h3 and h4' {
        $second = Invoke-Deployment -Path $script:config -Version 3.0.0 -Confirm:$false
        $second.Outcome | Should -Be 'Succeeded'
        $second.Fields['activeSlot'] | Should -Be 'blue'
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('3.0.0', '3.0.0', '2.0.0', '2.0.0')

        $load = Start-CountedLoad "http://127.0.0.1:$($script:proxy.Port)"
        try { $result = Invoke-Rollback -Path $script:config -Confirm:$false }
        finally { $counts = Stop-CountedLoad $load }
        Write-Host ("    rollback to green: through the router: {0} requests, {1} failed; actions: {2}" -f $counts.Total, $counts.Failed, ($result.Actions -join " / "))
        $result.Status | Should -Be 'Succeeded'
        $result.ToVersion | Should -Be '2.0.0'
        ($result.Actions -join "`n") | Should -Match 'green\.h3'
        ($result.Actions -join "`n") | Should -Match 'green\.h4'
        (Invoke-RestMethod "http://127.0.0.1:$($script:proxy.Port)/version" -TimeoutSec 5).version | Should -Be '2.0.0'
        $upstream = Get-Content (Join-Path $script:proxy.Prefix 'conf.d/app-upstream.conf') -Raw
        $upstream | Should -Match "server $([regex]::Escape($script:fleet.Hosts[3].Address)):$($script:port) weight=100"
        $upstream | Should -Match "server $([regex]::Escape($script:fleet.Hosts[1].Address)):$($script:port) down"
        $counts.Failed | Should -Be 0
    }
}
