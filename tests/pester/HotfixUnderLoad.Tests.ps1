#Requires -Version 7.4
# An in-place hotfix of the only serving slot under steady load through a private nginx, counting what the load saw
# (HTTP status per request). Three runs against the same nginx and demo app: the automatic max_fails (0 for a lone
# server), hotfix.maintenance with the nginx maintenance page, and nginx's own defaults (max_fails=1 fail_timeout=10s)
# configured explicitly, which black-hole the restarted slot — the router check must see that. The counts are
# printed (Write-Host) for the record. Fails with the install command when nginx or dotnet is missing.

Describe 'Invoke-Deployment -Strategy Hotfix under load through nginx' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:dir = New-TestDirectory 'hotfixload'
        New-DemoAppScript -Directory $script:dir | Out-Null
        $script:prefix = Join-Path $script:dir 'nginx'
        New-Item -ItemType Directory -Path (Join-Path $script:prefix 'conf.d') -Force | Out-Null
        $script:bluePort = Get-FreePort; $script:greenPort = Get-FreePort
        @"
# deployops-backends: [{"name":"blue","host":"127.0.0.1","port":$($script:bluePort),"weight":100},{"name":"green","host":"127.0.0.1","port":$($script:greenPort),"weight":0}]
upstream app {
    server 127.0.0.1:$($script:bluePort) weight=100;
    server 127.0.0.1:$($script:greenPort) down;
}
"@ | Set-Content (Join-Path $script:prefix 'conf.d/app-upstream.conf')
        $script:maintenanceInclude = Join-Path $script:prefix 'maintenance.conf'
        '# maintenance: off' | Set-Content $script:maintenanceInclude
        & bash (Join-Path $script:dir 'app.sh') start blue $script:bluePort 1.0.0
        Wait-Port -Port $script:bluePort -TimeoutSeconds 90 -LogPath (Join-Path $script:dir 'blue.out')
        $script:proxy = Start-TestNginx -Prefix $script:prefix -ServerInclude $script:maintenanceInclude
        $script:proxyUrl = "http://127.0.0.1:$($script:proxy.Port)"
        $script:nginxArguments = "-p $($script:prefix)/ -c $($script:proxy.Conf)"

        # One config file per case (same folder, so one deployment history): $Traffic adds deployment.traffic keys.
        function script:New-HotfixConfig([string] $Name, [string] $Traffic = '', [bool] $Maintenance = $false) {
            $path = Join-Path $script:dir "$Name.yaml"
            @"
application: pester
environment: hotfix
deployment:
  slots:
    blue: { host: 127.0.0.1, port: $($script:bluePort) }
    green: { host: 127.0.0.1, port: $($script:greenPort) }
  traffic:
    upstreamFile: $($script:prefix)/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($script:proxy.Nginx)
    nginxArguments: "$($script:nginxArguments)"
    probeUrl: $($script:proxyUrl)/version
$Traffic
  hotfix: { maintenance: $($Maintenance.ToString().ToLowerInvariant()) }
  readiness: { timeout: 90s, interval: 100ms }
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {slot}" } ]
    start: [ { name: start, command: "bash ./app.sh start {slot} {port} {version}" } ]
    smoke: [ { name: version, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
maintenance:
  nginx:
    includeFile: $($script:maintenanceInclude)
    binary: $($script:proxy.Nginx)
    arguments: "$($script:nginxArguments)"
"@ | Set-Content $path
            $path
        }

        function script:Show-LoadCounts([string] $Case, $Counts) {
            Write-Host ("HotfixUnderLoad [{0}]: {1}" -f $Case, (Format-LoadCounts $Counts))
        }

        # Runs a hotfix of $Version under load; returns the record, the load's counts and the warnings.
        function script:Invoke-HotfixUnderLoad([string] $Config, [string] $Version) {
            $load = Start-CountingLoad -Url "$($script:proxyUrl)/api/work"
            try {
                $record = Invoke-Deployment -Path $Config -Version $Version -Strategy Hotfix -Confirm:$false `
                    -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
            }
            finally { $counts = Stop-CountingLoad $load }
            [pscustomobject]@{ Record = $record; Counts = $counts; Warnings = @($warnings | ForEach-Object { "$_" }) }
        }

        function script:Get-LiveVersion { (Invoke-RestMethod "$($script:proxyUrl)/version" -TimeoutSec 20).version }
    }

    AfterAll {
        Remove-TestResources
    }

    It 'writes max_fails=0 for the lone slot: 502s only while it restarts, a clean router check, and a warning that says so' {
        $run = Invoke-HotfixUnderLoad -Config (New-HotfixConfig 'automatic') -Version 1.0.1
        Show-LoadCounts 'automatic max_fails=0, no maintenance' $run.Counts

        $run.Record.Outcome | Should -Be 'Succeeded' -Because $run.Record.Error
        Get-Content (Join-Path $script:dir 'nginx/conf.d/app-upstream.conf') -Raw |
            Should -Match "server 127\.0\.0\.1:$($script:bluePort) weight=100 max_fails=0;"
        ($run.Record.Phases | Where-Object Name -eq 'router-check').Detail | Should -Match '^router check: 0 of 20 request\(s\) through '
        $run.Warnings -match '^\[hotfix:blue\] blue is the only backend taking traffic and restarts without maintenance: requests through the router fail until it answers again; set deployment\.hotfix\.maintenance: true with maintenance\.nginx' |
            Should -Not -BeNullOrEmpty
        Get-LiveVersion | Should -Be '1.0.1'
    }

    # Entering maintenance reloads nginx; the slot may stop only once the old workers stopped accepting (they would
    # proxy to it: 2-4 x 502 before NginxWorkers.ReloadAsync was shared with the maintenance page).
    It 'serves the maintenance page instead of a 502 with hotfix.maintenance and maintenance.nginx' {
        $run = Invoke-HotfixUnderLoad -Config (New-HotfixConfig 'maintenance' -Maintenance $true) -Version 1.0.2
        Show-LoadCounts 'hotfix.maintenance with maintenance.nginx' $run.Counts

        $run.Record.Outcome | Should -Be 'Succeeded' -Because $run.Record.Error
        [int]$run.Counts['502'] | Should -Be 0
        [int]$run.Counts['no answer'] | Should -Be 0
        [int]$run.Counts['503'] | Should -BeGreaterThan 0 -Because 'the load ran while maintenance was on'
        $run.Warnings -match 'restarts without maintenance' | Should -BeNullOrEmpty
        (Get-MaintenanceMode -Path (Join-Path $script:dir 'maintenance.yaml')).IsOn | Should -BeFalse
        Get-LiveVersion | Should -Be '1.0.2'
    }

    It 'with nginx defaults configured (max_fails=1 fail_timeout=10s) reports the black-holed slot as a failed router check' {
        $run = Invoke-HotfixUnderLoad -Config (New-HotfixConfig 'nginxdefaults' -Traffic "    maxFails: 1`n    failTimeout: 10s") -Version 1.0.3
        Show-LoadCounts 'nginx defaults max_fails=1 fail_timeout=10s' $run.Counts

        Get-Content (Join-Path $script:dir 'nginx/conf.d/app-upstream.conf') -Raw |
            Should -Match "server 127\.0\.0\.1:$($script:bluePort) weight=100 max_fails=1 fail_timeout=10s;"
        $run.Record.Outcome | Should -Be 'Failed'
        ($run.Record.Phases | Select-Object -Last 1).Name | Should -Be 'router-check'
        $run.Record.Error | Should -Match 'router check: \d+ of 20 request\(s\) through .* failed \(.*HTTP 502 x\d+.*\): the router does not serve 1\.0\.3 after router-check'
        [int]$run.Counts['502'] | Should -BeGreaterThan 0
        # The slot itself runs the hotfix: nginx serves it again once fail_timeout has passed.
        Wait-Until -TimeoutSeconds 60 -Because 'nginx to serve blue again' -Condition { try { (Get-LiveVersion) -eq '1.0.3' } catch { $false } }
    }
}
