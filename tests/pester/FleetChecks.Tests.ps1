#Requires -Version 7.4
# The pre-deployment checklist on the hosts of targets: (two namespaces with sshd, FleetSupport.ps1): one result per
# host naming it, measured there (127.0.0.1 is the host's own loopback), shown in the default view, and the blocking
# error names the host. A selector that matches nothing is a located configuration error.

Describe 'Test-PreDeployment on targets' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        . (Join-Path $PSScriptRoot 'FleetSupport.ps1')
        Import-DeployOpsUnderTest
        $script:dir = New-TestDirectory 'fleetchecks'
        $script:fleet = New-TestFleet -Count 2 -Directory $script:dir
        # Listening here only: from a host, 127.0.0.1 is that host's own loopback, where nothing listens.
        $script:listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $script:listener.Start()
        $port = $script:listener.LocalEndpoint.Port
        $h = $script:fleet.Hosts
        $target = { param($n, $i, $labels) "  ${n}: { address: $($h[$i].Address), user: root, identityFile: $($script:fleet.ClientKey), knownHosts: $($script:fleet.KnownHosts), labels: [$labels] }" }
        $script:config = Join-Path $script:dir 'deployops.yaml'
        @"
application: pester-fleet
environment: test
defaults: { checkTimeout: 60s, targetCheckParallelism: 4 }
targets:
$(& $target 'web1' 0 'web')
$(& $target 'web2' 1 'web')
checks:
  - { name: root-disk, kind: disk, path: /, minFree: 1MB, targets: web }
  - { name: addresses, kind: command, command: 'hostname -I', targets: ['*'] }
  - { name: port-here, kind: tcp, address: '127.0.0.1:$port' }
  - { name: port-on-host, kind: tcp, address: '127.0.0.1:$port', on: web2 }
"@ | Set-Content -Path $script:config
        $script:results = @(Test-PreDeployment -Path $script:config -ErrorAction SilentlyContinue -ErrorVariable checkErrors)
        $script:checkErrors = @($checkErrors)
    }

    AfterAll {
        if ($script:listener) { $script:listener.Stop() }
        Remove-TestResources
    }

    It 'writes one result per selected host, each naming its host' {
        $script:results.Count | Should -Be 6
        ($script:results | Where-Object Name -eq 'root-disk').Host | Sort-Object | Should -Be @('web1', 'web2')
        ($script:results | Where-Object Name -eq 'root-disk').Status | Should -Not -Contain 'Failed'
        ($script:results | Where-Object Name -eq 'port-here').Host | Should -BeNullOrEmpty
    }

    It 'measures on the host: the command runs in its namespace and 127.0.0.1 is its own loopback' {
        foreach ($i in 0, 1) {
            $r = $script:results | Where-Object { $_.Name -eq 'addresses' -and $_.Host -eq "web$($i + 1)" }
            $r.Status | Should -Be 'Passed'
            $r.Data['tail'] | Should -Match ([regex]::Escape($script:fleet.Hosts[$i].Address))
        }
        ($script:results | Where-Object Name -eq 'port-here').Status | Should -Be 'Passed'
        $onHost = $script:results | Where-Object Name -eq 'port-on-host'
        $onHost.Status | Should -Be 'Failed'
        $onHost.Message | Should -BeLike '*from web2: connection refused*'
    }

    It 'shows the host in the default view and names it in the blocking error' {
        $table = $script:results | Out-String -Width 200
        $table | Should -Match '(?m)^Status\s+Name\s+Host\s+Category'
        $table | Should -Match 'web2'
        $table | Should -Match '\(local\)'
        $script:checkErrors.Count | Should -Be 1
        $script:checkErrors[0].FullyQualifiedErrorId | Should -BeLike 'PreDeploymentCheckFailed*'
        $script:checkErrors[0].Exception.Message | Should -BeLike '*port-on-host on web2 (Failed*'
        Test-PreDeployment -Path $script:config -Name 'root-disk' -Quiet | Should -BeTrue
    }

    It 'refuses a selector that names no target or label, with the file, line and what exists' {
        $bad = Join-Path $script:dir 'bad.yaml'
        (Get-Content $script:config -Raw).Replace('on: web2', 'on: web9') | Set-Content $bad
        { Test-PreDeployment -Path $bad -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigInvalid*'
        $err = $null
        Test-DeploymentConfig -Path $bad -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $problem = $err | Where-Object { $_.TargetObject.Path -eq 'checks[3].on' }
        $problem.TargetObject.Line | Should -Be 11
        $problem.Exception.Message | Should -BeLike "*'web9' is neither a target nor a label (targets: web1, web2; labels: web)*"
    }

    It 'documents targets: on checks in its help' {
        (Get-Help Test-PreDeployment -Full | Out-String) | Should -Match 'targets: selector'
    }
}
