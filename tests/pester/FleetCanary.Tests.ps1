#Requires -Version 7.4
# Canary where each slot is a set of hosts: blue on h1+h2 live with 1.0.0, green on h3+h4 (four network namespaces
# with sshd and the demo app, FleetSupport.ps1), one nginx here in front of all four. Green is deployed and verified
# host by host, then gets 25 % of the traffic (weight 25 on each green server, 75 on each blue one) for a gated pause,
# then all of it. Requests through nginx during the whole deployment measure the split while the gate watches
# (goal: about 25 % on the new version) and count failures (goal: 0). A hotfix with -Target then changes one member.

Describe 'Canary across 2+2 hosts over SSH' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        . (Join-Path $PSScriptRoot 'FleetSupport.ps1')
        Import-DeployOpsUnderTest
        Initialize-SlotFleetStage -Name 'fleetcanary' -Strategy canary -Deployment @'
  canary:
    steps: [25]
    pause: 8s
    gate: { use: healthEndpoint, sampleInterval: 1s }
    onInconclusive: fail
'@
    }

    AfterAll {
        Remove-TestResources
    }

    It 'plans green host by host, the weights on every server of both slots, and the gate' {
        $plan = @(Invoke-Deployment -Path $script:config -Version 2.0.0 -WhatIf)
        $plan.Phase | Where-Object { $_ -notin 'before-deploy', 'after-deploy' } |
            Should -Be @('deploy:green.h3', 'verify:green.h3', 'deploy:green.h4', 'verify:green.h4', 'canary:25%', 'gate:25%', 'canary:100%', 'post-verify')
        $h = $script:fleet.Hosts
        $weights = ($plan | Where-Object Phase -eq 'canary:25%').Details -join ' '
        foreach ($server in "blue.h1 $($h[0].Address):$($script:port) weight=75", "blue.h2 $($h[1].Address):$($script:port) weight=75",
            "green.h3 $($h[2].Address):$($script:port) weight=25", "green.h4 $($h[3].Address):$($script:port) weight=25") {
            $weights | Should -Match ([regex]::Escape($server))
        }
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('1.0.0', '1.0.0', 'down', 'down')
    }

    It 'sends about 25 % through nginx to green on h3 and h4 while the gate watches, then all of it, and no request fails' {
        $load = Start-CountedLoad "http://127.0.0.1:$($script:proxy.Port)" -Versions
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $record = Invoke-Deployment -Path $script:config -Strategy Canary -Version 2.0.0 -Confirm:$false
            $clock.Stop()
            Start-Sleep -Seconds 1   # a few answers after the deployment: all from green
        }
        finally { $counts = Stop-CountedLoad $load }
        $record.Outcome | Should -Be 'Succeeded' -Because $record.Error

        $gate = $record.Phases | Where-Object Name -eq 'gate:25%'
        ($record.Phases | Where-Object Name -eq 'canary:25%').Detail | Should -Match 'weight=25'
        $gate.Detail | Should -Match '^Pass: '
        $during = @($counts.Versions | Where-Object { $_.At -ge $gate.Start -and $_.At -le $gate.End })
        $onGreen = @($during | Where-Object Version -eq '2.0.0').Count
        $share = $during.Count ? 100.0 * $onGreen / $during.Count : 0
        $before = @($counts.Versions | Where-Object { $_.At -lt ($record.Phases | Where-Object Name -eq 'canary:25%').Start })
        $after = @($counts.Versions | Where-Object { $_.At -gt ($record.Phases | Where-Object Name -eq 'canary:100%').End })
        Write-Host ("    canary 2+2 hosts: {0:0.0}s; through nginx: {1} requests, {2} failed {3}; during gate:25%: {4} of {5} on 2.0.0 ({6:0.0}%)" -f
            $clock.Elapsed.TotalSeconds, $counts.Total, $counts.Failed, ($counts.Errors | Select-Object -First 3), $onGreen, $during.Count, $share)

        $counts.Failed | Should -Be 0
        $during.Count | Should -BeGreaterOrEqual 20 -Because 'the split is measured on the answers while the gate watches'
        # nginx's smooth weighted round-robin spreads 25/75 evenly; the window's edges leave a few answers of slack.
        $share | Should -BeGreaterOrEqual 10
        $share | Should -BeLessOrEqual 40
        # Both green hosts answered while the gate watched (each has weight 25), and both blue ones.
        $during.Instance | Sort-Object -Unique | Should -Be @('blue.h1', 'blue.h2', 'green.h3', 'green.h4')
        $before.Version | Sort-Object -Unique | Should -Be '1.0.0'
        $after.Version | Sort-Object -Unique | Should -Be '2.0.0'
        $record.Fields['activeSlot'] | Should -Be 'green'
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('1.0.0', '1.0.0', '2.0.0', '2.0.0')
        $upstream = Get-Content (Join-Path $script:proxy.Prefix 'conf.d/app-upstream.conf') -Raw
        foreach ($i in 2, 3) { $upstream | Should -Match "server $([regex]::Escape($script:fleet.Hosts[$i].Address)):$($script:port) weight=100" }
        foreach ($i in 0, 1) { $upstream | Should -Match "server $([regex]::Escape($script:fleet.Hosts[$i].Address)):$($script:port) down" }
    }

    It 'hotfixes the live slot on h4 only (-Target): green.h4 gets the version, the slot stays in rotation as it was' {
        $upstreamFile = Join-Path $script:proxy.Prefix 'conf.d/app-upstream.conf'
        $servers = { (Get-Content $upstreamFile) -match '^\s*server ' }
        $before = & $servers
        $record = Invoke-Deployment -Path $script:config -Strategy Hotfix -Target h4 -Version 2.0.1 -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded' -Because $record.Error
        $record.Phases.Name | Where-Object { $_ -like 'hotfix:*' -or $_ -like 'smoke:*' -or $_ -like 'traffic:*' } |
            Should -Be @('hotfix:green.h4', 'smoke:green.h4')
        $record.Fields['version@green.h4'] | Should -Be '2.0.1 on h4'
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('1.0.0', '1.0.0', '2.0.0', '2.0.1')
        & $servers | Should -Be $before
    }
}
