#Requires -Version 7.4
# Resume-Deployment of a rolling rollout over SSH that its failure budget stopped because a host dropped off the
# network (its link down): once the host is back, the resumed rollout redeploys that host first, then the hosts it had
# not reached, in the same journal, while requests through nginx keep succeeding. Same stage as Fleet.Tests.ps1
# (FleetSupport.ps1: four namespaces with sshd and the demo app, one nginx here); the rollback of such a rollout is
# FleetFaults.Tests.ps1.

Describe 'Resume-Deployment of a rollout stopped by a dropped host' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        . (Join-Path $PSScriptRoot 'FleetSupport.ps1')
        Import-DeployOpsUnderTest
        Initialize-FleetStage -Name 'fleetresume'
    }

    AfterAll {
        Remove-TestResources
    }

    It 'after the host returns, finishes the stopped rollout: the host first, then the rest, no failed request' {
        # app2's install step waits (once) until the test has taken h2 off the network; the resumed one runs through.
        $gate = Join-Path $script:dir 'h2-entered'
        $config = Write-FleetConfig (Join-Path $script:dir 'resume.yaml') $script:fleet.KnownHosts -MaxFail '0%'
        (Get-Content $config -Raw).Replace("name: preflight, command: `"", "name: preflight, command: `"[ {instance} != app2 ] || [ -e $gate ] || { touch $gate; sleep 60; }; ") |
            Set-Content $config
        $load = Start-CountedLoad "http://127.0.0.1:$($script:proxy.Port)"
        try {
            $job = Start-ThreadJob -ArgumentList $env:DEPLOYOPS_MODULE_PATH, $config -ScriptBlock {
                param($module, $config)
                Import-Module $module
                $r = Invoke-Deployment -Path $config -Strategy Rolling -Version 2.0.0 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e
                [pscustomobject]@{ Record = $r; Errors = @($e) }
            }
            try {
                Wait-Until -TimeoutSeconds 120 -Because 'app2 to enter its install step' -Condition { Test-Path $gate }
                Set-TestHostLink -Fleet $script:fleet -TestHost $script:fleet.Hosts[1] -Down
                $stopped = $job | Wait-Job -Timeout 120 | Receive-Job
            }
            finally {
                Set-TestHostLink -Fleet $script:fleet -TestHost $script:fleet.Hosts[1]
                Remove-Job $job -Force
            }
            $stopped.Record.Outcome | Should -Be 'Failed'
            ($stopped.Errors | ForEach-Object { $_.FullyQualifiedErrorId }) -join ' ' | Should -Match 'RollingFailureBudgetExceeded'
            $stopped.Record.Fields['failedInstances'] | Should -Be 'app2'
            Get-HostVersion 2 | Should -Be '1.0.0'   # the budget stopped the rollout before app3

            # -WhatIf changes nothing; then, without -Id, the newest deployment (the budget stop) is resumed.
            Resume-Deployment -Path $config -WhatIf | Should -BeNullOrEmpty
            (Get-Deployment -Path $config -Id $stopped.Record.Id).Outcome | Should -Be 'Failed'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $resumed = Resume-Deployment -Path $config -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable problems
            $clock.Stop()
        }
        finally { $counts = Stop-CountedLoad $load }
        Write-Host ("    resumed after the host returned: {0:0.0}s; through the router during drop, stop and resume: {1} requests, {2} failed {3}" -f
            $clock.Elapsed.TotalSeconds, $counts.Total, $counts.Failed, ($counts.Errors | Select-Object -First 3))

        $problems | ForEach-Object { $_.Exception.Message } | Should -BeNullOrEmpty
        $resumed.Outcome | Should -Be 'Succeeded' -Because $resumed.Error
        $resumed.Id | Should -Be $stopped.Record.Id   # the same journal
        0..3 | ForEach-Object { Get-HostVersion $_ } | Should -Be @('2.0.0', '2.0.0', '2.0.0', '2.0.0')
        $resumed.Fields['failedInstances'] | Should -Be ''
        1..4 | ForEach-Object { $resumed.Fields["version@app$_"] } | Should -Be @('2.0.0 on h1', '2.0.0 on h2', '2.0.0 on h3', '2.0.0 on h4')
        # The returned host first, then the instances the rollout had not reached, one batch each.
        @($resumed.Phases.Name | Where-Object { $_ -like 'resume1:*:deploy' }) |
            Should -Be @('resume1:retry:deploy', 'resume1:batch1:deploy', 'resume1:batch2:deploy')
        $counts.Failed | Should -Be 0
        $counts.Total | Should -BeGreaterThan 10
        # Finished: nothing left to resume.
        { Resume-Deployment -Path $config -Id $resumed.Id -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'DeploymentNotResumable*'
    }
}
