#Requires -Version 7.4
# A manual Switch-DeploymentTraffic is a history entry of its own (issue 15 §3), in real pwsh against the staged
# module: a private nginx in front of two demo-app slots started by the configured steps. Get-DeploymentHistory lists
# the switch (found by -ChangeTicket, readable in the default view); Invoke-Rollback and Resume-Deployment never take
# it for a deployment. Fails with the install command when nginx or dotnet is missing.

Describe 'Traffic switches in the deployment history' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:dir = New-TestDirectory 'switch-history'
        New-DemoAppScript -Directory $script:dir | Out-Null   # app.sh, called by the start/stop steps; its pids are stopped in AfterAll
        $prefix = Join-Path $script:dir 'nginx'
        New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d') -Force | Out-Null
        $script:bluePort = Get-FreePort; $script:greenPort = Get-FreePort
        # The upstream file DeployOps owns, written once by hand for the first start (blue live with 1.0.0).
        @"
# deployops-backends: [{"name":"blue","host":"127.0.0.1","port":$($script:bluePort),"weight":100},{"name":"green","host":"127.0.0.1","port":$($script:greenPort),"weight":0}]
upstream app {
    server 127.0.0.1:$($script:bluePort) weight=100;
    server 127.0.0.1:$($script:greenPort) down;
}
"@ | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
        & bash (Join-Path $script:dir 'app.sh') start blue $script:bluePort 1.0.0
        Wait-Port -Port $script:bluePort -TimeoutSeconds 90 -LogPath (Join-Path $script:dir 'blue.out')
        $proxy = Start-TestNginx -Prefix $prefix
        $script:proxyPort = $proxy.Port
        $script:config = Join-Path $script:dir 'deployops.yaml'
        @"
application: pester
environment: switches
deployment:
  slots:
    blue: { host: 127.0.0.1, port: $($script:bluePort) }
    green: { host: 127.0.0.1, port: $($script:greenPort) }
  traffic:
    upstreamFile: $prefix/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($proxy.Nginx)
    nginxArguments: "-p $prefix/ -c $($proxy.Conf)"
    probeUrl: http://127.0.0.1:$($script:proxyPort)/version
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {slot}" } ]
    start: [ { name: start, command: "bash ./app.sh start {slot} {port} {version}" } ]
    smoke: [ { name: version, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@ | Set-Content $script:config
        # What nginx serves; a transport error is retried (bounded, 60 s) while a fresh slot starts on a loaded machine.
        function script:Get-LiveVersion {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ($true) {
                try { return (Invoke-RestMethod "http://127.0.0.1:$($script:proxyPort)/version" -TimeoutSec 20).version }
                catch { if ([DateTime]::UtcNow -gt $deadline) { throw }; Start-Sleep -Milliseconds 500 }
            }
        }
        # 1.0.0 on blue is recorded as it runs; 2.0.0 then goes to green: the deployment a rollback undoes.
        (Invoke-Deployment -Path $script:config -Version 1.0.0 -RecordOnly -Confirm:$false).Outcome | Should -Be 'Succeeded'
        $script:deployment = Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 2.0.0 -Confirm:$false
        $script:deployment.Outcome | Should -Be 'Succeeded'
        Get-LiveVersion | Should -Be '2.0.0'
    }

    AfterAll {
        Remove-TestResources
    }

    It 'records a switch with -ChangeTicket that Get-DeploymentHistory -ChangeTicket lists' {
        Switch-DeploymentTraffic -Path $script:config -To blue -Reason 'checkout errors on 2.0.0' -ChangeTicket CHG-123 -WhatIf | Out-Null
        @(Get-DeploymentHistory -Path $script:config -ChangeTicket CHG-123).Count | Should -Be 0 -Because '-WhatIf records nothing'

        $change = Switch-DeploymentTraffic -Path $script:config -To blue -Reason 'checkout errors on 2.0.0' -ChangeTicket CHG-123 -Confirm:$false
        $change.ChangeTicket | Should -Be 'CHG-123'
        Get-LiveVersion | Should -Be '1.0.0'

        $found = @(Get-DeploymentHistory -Path $script:config -ChangeTicket chg-123)
        $found.Count | Should -Be 1
        $entry = $found[0]
        $entry | Should -BeOfType 'DeployOps.Engine.State.DeploymentRecord'
        $entry.Kind | Should -Be ([DeployOps.Engine.State.DeploymentKind]::TrafficSwitch)
        $entry.Strategy | Should -Be 'TrafficSwitch'
        $entry.Id | Should -BeLike 'switch-*'
        $entry.FromSlot | Should -Be 'green'
        $entry.ToSlot | Should -Be 'blue'
        $entry.Reason | Should -Be 'checkout errors on 2.0.0'
        $entry.Outcome | Should -Be 'Succeeded'
        $entry.User | Should -Be ([Environment]::UserName)
        $entry.End | Should -Not -BeNullOrEmpty
        (Get-Deployment -Path $script:config -Id $entry.Id).ToSlot | Should -Be 'blue'
        $audit = Get-Content (Join-Path $script:dir '.deployops/audit.jsonl') | ConvertFrom-Json |
            Where-Object { $_.command -eq 'Switch-DeploymentTraffic' -and $_.outcome -eq 'Succeeded' }
        $audit.deploymentId | Should -Be $entry.Id
    }

    It 'shows the switch beside the deployments, readable in the default view' {
        $history = @(Get-DeploymentHistory -Path $script:config)
        $history.Kind | Should -Be @('TrafficSwitch', 'Deployment', 'Deployment')
        $history[1].Id | Should -Be $script:deployment.Id
        $table = Get-DeploymentHistory -Path $script:config -Last 1 | Out-String -Width 200
        $table | Should -Match 'TrafficSwitch'
        # The version columns show the slots: to blue, from green.
        $table | Should -Match "$([regex]::Escape($history[0].Id))\s+blue\s+green\s+TrafficSwitch\s+Succeeded"
        # A failed switch is recorded too.
        { Switch-DeploymentTraffic -Path $script:config -To purple -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'SlotNotFound*'
        @(Get-DeploymentHistory -Path $script:config).Count | Should -Be 3 -Because 'a switch refused before it started records nothing'
    }

    It 'is never taken for a deployment by Invoke-Rollback or Resume-Deployment' {
        $switch = @(Get-DeploymentHistory -Path $script:config -ChangeTicket CHG-123)[0]
        { Invoke-Rollback -Path $script:config -DeploymentId $switch.Id -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'RollbackNothingToUndo*' -ExpectedMessage '*manual traffic switch (green → blue), not a deployment*'
        { Resume-Deployment -Path $script:config -Id $switch.Id -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'DeploymentNotResumable*' -ExpectedMessage '*manual traffic switch*'
        # Back to green, so the rollback has traffic to move; the newest entry is again a switch.
        Switch-DeploymentTraffic -Path $script:config -To green -ChangeTicket CHG-124 -Confirm:$false | Out-Null
        Get-LiveVersion | Should -Be '2.0.0'
        $plan = @(Invoke-Rollback -Path $script:config -WhatIf)
        $plan.Phase | Should -Contain 'rollback:traffic:blue'

        $result = Invoke-Rollback -Path $script:config -Confirm:$false
        $result.DeploymentId | Should -Be $script:deployment.Id
        Get-LiveVersion | Should -Be '1.0.0'
        (Get-Deployment -Path $script:config -Id $script:deployment.Id).Outcome | Should -Be 'RolledBack'
        @(Get-DeploymentHistory -Path $script:config -ChangeTicket CHG-124)[0].Outcome | Should -Be 'Succeeded'
    }
}
