#Requires -Version 7.4
<#
.SYNOPSIS
    Test hosts for the fleet suites: dot-source after TestSupport.ps1.  . (Join-Path $PSScriptRoot 'FleetSupport.ps1')

.DESCRIPTION
    Each host is a network namespace with its own sshd (tests/fixtures/ssh-host.sh, shared with the xunit
    SshHostFixture), joined to this namespace by a veth pair at 10.77.N.2. A client key and the known_hosts file are
    generated per fleet. Every sshd is stopped by its PID and every namespace deleted by Remove-TestResources, also
    when BeforeAll failed half way. Without root the fleet fails saying that namespaces need CAP_NET_ADMIN.
#>

function New-TestFleet {
    <# Returns Directory, ClientKey, KnownHosts and Hosts (Name, Address, Pid, Folder). #>
    param([Parameter(Mandatory)] [int] $Count, [Parameter(Mandatory)] [string] $Directory)
    $script = Join-Path (Get-RepositoryRoot) 'tests/fixtures/ssh-host.sh'
    Get-RequiredProgram -Candidates /usr/sbin/sshd -Install 'apt-get install -y openssh-server' | Out-Null
    $keygen = Get-RequiredProgram -Candidates ssh-keygen -Install 'apt-get install -y openssh-client'
    $clientKey = Join-Path $Directory 'client_key'
    & $keygen -q -t ed25519 -N '' -C deployops-pester -f $clientKey
    if ($LASTEXITCODE -ne 0) { throw "ssh-keygen failed for $clientKey" }
    $knownHosts = Join-Path $Directory 'known_hosts'
    Set-Content -Path $knownHosts -Value @()
    $hosts = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $Count; $i++) {
        $name = 'p' + [guid]::NewGuid().ToString('N').Substring(0, 7)
        $folder = Join-Path $Directory $name
        # ssh-host.sh picks a subnet no other fixture uses (suites and xunit may run at once).
        $out = & bash $script up $name auto $folder "$clientKey.pub" 2>&1
        if ($LASTEXITCODE -ne 0) { throw "test host ${name}: $($out -join "`n")" }
        $address, $sshdPid = (($out | Select-Object -Last 1) -split ' ')
        Register-TestCleanup -ArgumentList ([pscustomobject]@{ Script = $script; Name = $name; Pid = $sshdPid }) -Cleanup {
            param($TestHost)
            & bash $TestHost.Script down $TestHost.Name $TestHost.Pid
        }
        $key = (Get-Content (Join-Path $folder 'ssh_host_ed25519_key.pub') -Raw).Trim() -split ' '
        Add-Content -Path $knownHosts -Value "$address $($key[0]) $($key[1])"
        $hosts.Add([pscustomobject]@{ Name = $name; Address = $address; Pid = [int]$sshdPid; Folder = $folder })
    }
    [pscustomobject]@{ Directory = $Directory; ClientKey = $clientKey; KnownHosts = $knownHosts; Hosts = $hosts.ToArray(); Script = $script }
}

function Set-TestHostLink {
    <# Takes a test host off the network (-Down) or puts it back. #>
    param([Parameter(Mandatory)] $Fleet, [Parameter(Mandatory)] $TestHost, [switch] $Down)
    & bash $Fleet.Script link $TestHost.Name ($Down ? 'down' : 'up')
    if ($LASTEXITCODE -ne 0) { throw "could not set the link of $($TestHost.Name)" }
}

function Start-FleetApp {
    <# Starts the demo app on a test host as its first version (inside the host's namespace), bounded wait for it. #>
    param([Parameter(Mandatory)] $TestHost, [Parameter(Mandatory)] [string] $App, [Parameter(Mandatory)] [string] $Instance,
          [Parameter(Mandatory)] [int] $Port, [string] $Version = '1.0.0')
    & ip netns exec "dof$($TestHost.Name)" bash $App start $Instance $Port $Version $TestHost.Address
    Wait-Until -TimeoutSeconds 90 -Because "$Instance on $($TestHost.Address):$Port" -Condition { Test-Port -Port $Port -Address $TestHost.Address }
}

function Initialize-FleetStage {
    <#
      Four test hosts, the fleet app script, one nginx on this host in front of the four (same port on each host: each
      has its own namespace), Write-FleetConfig and Get-HostVersion, and 1.0.0 running on every host. Sets $script:dir,
      fleet, app, port, proxy and config in the calling suite.
    #>
    param([string] $Name = 'fleet')
    $script:dir = New-TestDirectory $Name
    $script:fleet = New-TestFleet -Count 4 -Directory $script:dir
    $script:app = New-DemoAppScript -Directory $script:dir   # steps run it ON each host, bound to the host's address
    $script:port = Get-FreePort   # the same port on every host: each has its own network namespace
    $hosts = $script:fleet.Hosts
    $prefix = Join-Path $script:dir 'nginx'
    New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d') -Force | Out-Null
    $backends = @(for ($i = 0; $i -lt 4; $i++) { @{ name = "app$($i + 1)"; host = $hosts[$i].Address; port = $script:port; weight = 1 } })
    @"
# deployops-backends: $($backends | ConvertTo-Json -Compress)
upstream app {
$(($hosts | ForEach-Object { "    server $($_.Address):$($script:port) weight=1;" }) -join "`n")
}
"@ | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
    $script:proxy = Start-TestNginx -Prefix $prefix

    # 50 % of 4 allows two failures, so a rollout whose app3 fails still deploys app4 (a budget used up with
    # instances left stops the rollout before another is started).
    function script:Write-FleetConfig([string] $Path, [string] $KnownHosts, [int] $Hosts = 4, [string] $MaxFail = '50%') {
        $targets = for ($i = 0; $i -lt $Hosts; $i++) {
            "  h$($i + 1): { address: $($script:fleet.Hosts[$i].Address), user: root, identityFile: $($script:fleet.ClientKey), knownHosts: $KnownHosts, connectTimeout: 5s }"
        }
        $instances = for ($i = 0; $i -lt $Hosts; $i++) { "    - { name: app$($i + 1), target: h$($i + 1), port: $($script:port) }" }
        @"
application: fleet
environment: test
targets:
$($targets -join "`n")
deployment:
  strategy: rolling
  instances:
$($instances -join "`n")
  rolling: { maxUnavailable: 1, maxFailPercent: $MaxFail }
  traffic:
    upstreamFile: $($script:proxy.Prefix)/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($script:proxy.Nginx)
    nginxArguments: "-p $($script:proxy.Prefix)/ -c $($script:proxy.Conf)"
    probeUrl: http://127.0.0.1:$($script:proxy.Port)/version
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash $($script:app) stop {instance}" } ]
    install: [ { name: preflight, command: "test ! -e $($script:dir)/broken-{instance} || { echo 'disk full on {instance}' >&2; exit 3; }" } ]
    start: [ { name: start, command: "bash $($script:app) start {instance} {port} {version} {host}" } ]
    smoke: [ { name: version, retries: 20, retryDelay: 500ms, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@ | Set-Content $Path
        $Path
    }
    $script:config = Write-FleetConfig (Join-Path $script:dir 'deployops.yaml') $script:fleet.KnownHosts
    function script:Get-HostVersion([int] $Index) {
        try { (Invoke-RestMethod "http://$($script:fleet.Hosts[$Index].Address):$($script:port)/version" -TimeoutSec 10).version } catch { 'down' }
    }
    # What runs before DeployOps arrives: 1.0.0 on every host.
    for ($i = 0; $i -lt 4; $i++) { Start-FleetApp -TestHost $hosts[$i] -App $script:app -Instance "app$($i + 1)" -Port $script:port }
}

function Initialize-SlotFleetStage {
    <#
      Blue on two test hosts (h1, h2: labels rack-a) running 1.0.0 and taking all traffic, green on two (h3, h4: rack-b,
      as a label) with nothing running and its servers down, one nginx here in front of the four. Writes the
      configuration ($Strategy, with $Deployment appended under deployment:) and Get-HostVersion. Sets $script:dir,
      fleet, app, port, proxy and config in the calling suite.
    #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Strategy, [string] $Deployment = '')
    $script:dir = New-TestDirectory $Name
    $script:fleet = New-TestFleet -Count 4 -Directory $script:dir
    $script:app = New-DemoAppScript -Directory $script:dir
    $script:port = Get-FreePort   # the same port on every host: each has its own network namespace
    $h = $script:fleet.Hosts
    $prefix = Join-Path $script:dir 'nginx'
    New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d') -Force | Out-Null
    $members = @(
        @{ name = 'blue.h1'; host = $h[0].Address; port = $script:port; weight = 100 }
        @{ name = 'blue.h2'; host = $h[1].Address; port = $script:port; weight = 100 }
        @{ name = 'green.h3'; host = $h[2].Address; port = $script:port; weight = 0 }
        @{ name = 'green.h4'; host = $h[3].Address; port = $script:port; weight = 0 })
    @"
# deployops-backends: $($members | ConvertTo-Json -Compress)
upstream app {
    server $($h[0].Address):$($script:port) weight=100;
    server $($h[1].Address):$($script:port) weight=100;
    server $($h[2].Address):$($script:port) down;
    server $($h[3].Address):$($script:port) down;
}
"@ | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
    $script:proxy = Start-TestNginx -Prefix $prefix
    Start-FleetApp -TestHost $h[0] -App $script:app -Instance 'blue.h1' -Port $script:port
    Start-FleetApp -TestHost $h[1] -App $script:app -Instance 'blue.h2' -Port $script:port

    $target = { param($i, $label) "  h$($i + 1): { address: $($h[$i].Address), user: root, identityFile: $($script:fleet.ClientKey), knownHosts: $($script:fleet.KnownHosts), connectTimeout: 5s, labels: [$label] }" }
    $script:config = Join-Path $script:dir 'deployops.yaml'
    @"
application: $Name
environment: test
targets:
$(& $target 0 'rack-a')
$(& $target 1 'rack-a')
$(& $target 2 'rack-b')
$(& $target 3 'rack-b')
deployment:
  strategy: $Strategy
  slots:
    blue: { targets: [h1, h2], port: $($script:port) }
    green: { targets: rack-b, port: $($script:port) }
  traffic:
    upstreamFile: $prefix/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($script:proxy.Nginx)
    nginxArguments: "-p $prefix/ -c $($script:proxy.Conf)"
    probeUrl: http://127.0.0.1:$($script:proxy.Port)/version
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash $($script:app) stop {slot}" } ]
    start: [ { name: start, command: "bash $($script:app) start {slot} {port} {version} {host}" } ]
    smoke: [ { name: version, retries: 20, retryDelay: 500ms, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
$Deployment
"@ | Set-Content $script:config
    function script:Get-HostVersion([int] $Index) {
        try { (Invoke-RestMethod "http://$($script:fleet.Hosts[$Index].Address):$($script:port)/version" -TimeoutSec 10).version } catch { 'down' }
    }
}

function Start-CountedLoad([string] $Url, [switch] $Versions) {
    <#
      Requests through the router until stopped; counts every answer that is not 2xx (transport errors included).
      -Versions also keeps each answer's time, version and instance (State.Versions: At, Version, Instance), to measure a
      traffic split.
    #>
    $state = [hashtable]::Synchronized(@{ Stop = $false; Total = 0; Failed = 0; Errors = [System.Collections.Generic.List[string]]::new()
        Versions = [System.Collections.Generic.List[object]]::new() })
    $job = Start-ThreadJob -ArgumentList $Url, $state, $Versions.IsPresent -ScriptBlock {
        param($url, $state, $keepVersions)
        while (-not $state.Stop) {
            try {
                $answer = Invoke-WebRequest "$url/version" -TimeoutSec 5
                $body = if ($keepVersions) { $answer.Content | ConvertFrom-Json }
                $state.Total++
                if ($keepVersions) { $state.Versions.Add([pscustomobject]@{ At = [DateTimeOffset]::UtcNow; Version = $body.version; Instance = $body.instance }) }
            }
            catch { $state.Total++; $state.Failed++; if ($state.Errors.Count -lt 20) { $state.Errors.Add("$_") } }
            Start-Sleep -Milliseconds 20
        }
    }
    [pscustomobject]@{ Job = $job; State = $state }
}

function Stop-CountedLoad($Load) {
    $Load.State.Stop = $true
    Wait-Job $Load.Job -Timeout 15 | Out-Null
    Remove-Job $Load.Job -Force
    $Load.State
}
