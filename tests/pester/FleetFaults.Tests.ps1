#Requires -Version 7.4
# A host that drops off the network (its link down) in the middle of a rolling update over SSH: the rollout stops
# within its failure budget naming the host, and nothing keeps running there. Same stage as Fleet.Tests.ps1
# (FleetSupport.ps1: four namespaces with sshd and the demo app, one nginx here).

Describe 'Invoke-Deployment when a host drops off the network' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        . (Join-Path $PSScriptRoot 'FleetSupport.ps1')
        Import-DeployOpsUnderTest
        Initialize-FleetStage -Name 'fleetfaults'
        # A successful rollout first: the version a rollback of the interrupted one goes back to.
        $script:baseline = Invoke-Deployment -Path $script:config -Strategy Rolling -Version 3.0.0 -Confirm:$false
    }

    AfterAll {
        Remove-TestResources
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

    It 'after the host returns, Invoke-Rollback puts the previous version (3.0.0) back on the rest and on the returned host' {
        # The host is back on the network (the previous test's finally); 4.0.0 stopped on h2 with h1 already updated.
        $failed = Get-DeploymentHistory -Path $script:config | Where-Object Version -eq '4.0.0' | Select-Object -First 1
        $failed.Outcome | Should -Be 'Failed'
        Get-HostVersion 0 | Should -Be '4.0.0'
        Get-HostVersion 1 | Should -Be 'down'   # its stop step ran before the link went down
        $script:baseline.Outcome | Should -Be 'Succeeded'
        $result = Invoke-Rollback -Path $script:config -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable problems
        $problems | ForEach-Object { Write-Host "    rollback: $($_.Exception.Message)" }
        $result.Status | Should -Be 'Succeeded' -Because $result.Message
        $result.ToVersion | Should -Be '3.0.0'
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('3.0.0', '3.0.0', '3.0.0', '3.0.0')
        # The journal says which host runs which version after the rollback.
        $result.DeploymentId | Should -Be $failed.Id
        $record = Get-Deployment -Path $script:config -Id $result.DeploymentId
        $versions = 1..4 | ForEach-Object { $record.Fields["version@app$_"] }
        Write-Host "    journal after rollback: $($versions -join '; ') (fields: $(($record.Fields.Keys | Sort-Object) -join ','))"
        $versions | Should -Be @('3.0.0 on h1', '3.0.0 on h2', '3.0.0 on h3', '3.0.0 on h4')
    }
}
