#Requires -Version 7.4
# Deploying to a fleet over SSH, in real pwsh against the staged module: four hosts, each a network namespace of its
# own with its own sshd and demo application (bound to the host's address), behind one nginx on the operator's host
# (this namespace). Rolling across the four with one host failing within the budget and a changed host key
# refused before anything runs (a host dropped mid-rollout: FleetFaults.Tests.ps1). Fails with the install command when sshd,
# nginx or dotnet is missing, and says so when network namespaces cannot be created (needs root).

Describe 'Invoke-Deployment across hosts over SSH' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        . (Join-Path $PSScriptRoot 'FleetSupport.ps1')
        Import-DeployOpsUnderTest
        Initialize-FleetStage
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
}
