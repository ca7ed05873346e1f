#Requires -Version 7.4
<#
.SYNOPSIS
    The whole runbook on a fresh machine, self-contained: checklist, two blue-green deployments behind nginx, a short
    health watch, a rollback and the history — against a throwaway PostgreSQL, nginx and the demo application.

.DESCRIPTION
    Everything lives in a temporary directory (<system temp>/deployops-quickstart-<random>): the generated
    deployops.yaml, the state directory, the demo application's build, a private PostgreSQL cluster and a private
    nginx, each on a free loopback port chosen at run time. The configuration's deployment steps start and stop the
    demo application per slot (bash ./app.sh start|stop <slot> …), exactly as a real runbook would start a service.

    Where PostgreSQL or nginx is not installed the script says how to install them and runs what does not need them:
    without nginx the deployments are Hotfix (in place, no router); without PostgreSQL there is no database check.

    Every returned object is printed under a heading. Cleanup runs in `finally` (also on failure and Ctrl+C): nginx,
    PostgreSQL and every demo application process are stopped by PID, and the temporary directory is removed unless
    -Keep is given. Exit code 0 when every step did what it should, 1 otherwise.

.PARAMETER ModulePath
    The DeployOps module to import. Default: the staged module (module/DeployOps/DeployOps.psd1 in this repository,
    built by ./build.sh), else the installed DeployOps module.
.PARAMETER Keep
    Keep the temporary directory (configuration, state, logs, incident report) for inspection. Processes are
    stopped in any case.
.PARAMETER Without
    postgres, nginx or both (comma-separated): act as if they were not installed, to try the reduced runbook.

.EXAMPLE
    ./build.sh && pwsh -NoProfile -File examples/quickstart.ps1
.EXAMPLE
    pwsh -NoProfile -File examples/quickstart.ps1 -Keep -Without nginx
#>
[CmdletBinding()]
param(
    [string] $ModulePath,
    [switch] $Keep,
    [string[]] $Without = @()
)
# "-Without nginx,postgres" arrives as one string under pwsh -File: split it.
$Without = @($Without | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
foreach ($w in $Without) { if ($w -notin 'postgres', 'nginx') { Write-Error "-Without takes postgres and/or nginx, not '$w'"; exit 2 } }

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$clock = [Diagnostics.Stopwatch]::StartNew()
$repo = Split-Path $PSScriptRoot -Parent
$failures = [Collections.Generic.List[string]]::new()
$isRoot = $IsLinux -and ((& id -u) -eq '0')

# Bounded waits (seconds). A 2-core machine that is busy building can be slow; nothing waits forever.
$timeouts = @{ Build = 600; InitDb = 180; PgStart = 90; Nginx = 30; Port = 30; Stop = 20 }

#region helpers -------------------------------------------------------------------------------------------------
function Write-Heading([string] $Text) {
    Write-Host ''
    Write-Host ('=' * 100)
    Write-Host "== $Text"
    Write-Host ('=' * 100)
}

function Show-Object {
    # Prints objects with their format views (the module's), wide enough not to truncate paths.
    param([Parameter(ValueFromPipeline)] $InputObject)
    begin { $items = [Collections.Generic.List[object]]::new() }
    process { if ($null -ne $InputObject) { $items.Add($InputObject) } }
    end { if ($items.Count) { Write-Host (($items | Out-String -Width 220).TrimEnd()) } }
}

function Write-Result([string] $Step, [bool] $Ok, [string] $Message) {
    if ($Ok) { Write-Host "[ OK ] $Step — $Message" }
    else { Write-Host "[FAIL] $Step — $Message"; $failures.Add("${Step}: $Message") }
}

function Get-FreePort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Wait-Port([int] $Port, [int] $TimeoutSeconds, [string] $What) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        $client = [Net.Sockets.TcpClient]::new()
        try { if ($client.ConnectAsync('127.0.0.1', $Port).Wait(1000) -and $client.Connected) { return } }
        catch { } finally { $client.Dispose() }
        Start-Sleep -Milliseconds 200
    }
    throw "$What did not listen on 127.0.0.1:$Port within $TimeoutSeconds s"
}

function Invoke-Native {
    # Runs a program with a timeout (killed with its children when it expires); returns exit code and output.
    param([string] $FilePath, [string[]] $ArgumentList = @(), [int] $TimeoutSeconds = 60, [hashtable] $Environment = @{},
          [string] $WorkingDirectory = $script:tmp, [string] $Log, [switch] $Check)
    $psi = [Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.RedirectStandardInput = $true
    if ($WorkingDirectory) { $psi.WorkingDirectory = $WorkingDirectory }
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $p = [Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    try {
        # Short waits in a loop keep Ctrl+C responsive.
        while (-not $p.WaitForExit(200)) {
            if ([DateTime]::UtcNow -ge $deadline) { throw "$FilePath $($ArgumentList -join ' ') timed out after $TimeoutSeconds s (killed)" }
        }
    }
    finally {
        # Timed out, failed or Ctrl+C: the program and its children do not outlive the wait.
        if (-not $p.HasExited) { try { $p.Kill($true); [void]$p.WaitForExit(5000) } catch { } }
    }
    $p.WaitForExit()
    # A daemon it started may hold the pipes open: read what is there, bounded.
    [void][Threading.Tasks.Task]::WaitAll([Threading.Tasks.Task[]]@($out, $err), 5000)
    $text = (($out.IsCompleted ? $out.Result : '') + ($err.IsCompleted ? $err.Result : '')).TrimEnd()
    if ($Log) { Add-Content -Path $Log -Value "`$ $FilePath $($ArgumentList -join ' ')`n$text`n(exit $($p.ExitCode))" }
    $result = [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $text }
    $p.Dispose()
    if ($Check -and $result.ExitCode -ne 0) {
        throw "$FilePath $($ArgumentList -join ' ') failed with exit code $($result.ExitCode): $($result.Output)"
    }
    $result
}

function Test-ProcessAlive([int] $ProcessId) {
    $stat = "/proc/$ProcessId/stat"
    if (-not (Test-Path $stat)) { return $false }
    try { $state = ((Get-Content $stat -Raw) -replace '^.*\)\s+', '').Split(' ')[0] } catch { return $false }
    return $state -notin 'Z', 'X'
}

function Get-ChildProcessId([int] $ParentId) {
    foreach ($dir in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -Match '^\d+$') {
        try {
            $fields = ((Get-Content "$($dir.FullName)/stat" -Raw -ErrorAction Stop) -replace '^.*\)\s+', '').Split(' ')
            if ([int]$fields[1] -eq $ParentId) { [int]$dir.Name }
        } catch { }
    }
}

function Stop-ProcessById([int] $ProcessId, [string] $What, [int] $GraceSeconds = 10) {
    # SIGTERM, wait (bounded), then SIGKILL. Only the given PID.
    if ($ProcessId -le 1 -or $ProcessId -eq $PID -or -not (Test-ProcessAlive $ProcessId)) { return }
    & bash -c "kill -TERM $ProcessId 2>/dev/null"
    $deadline = [DateTime]::UtcNow.AddSeconds($GraceSeconds)
    while ((Test-ProcessAlive $ProcessId) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    if (Test-ProcessAlive $ProcessId) {
        Write-Host "  $What (pid $ProcessId) did not stop within $GraceSeconds s: killing it"
        & bash -c "kill -KILL $ProcessId 2>/dev/null"
    }
}

function Get-ProcessUnder([string] $Directory) {
    # Processes whose working directory or command line is inside our temporary directory (postgres children run in
    # their data directory, the demo apps and nginx in the temporary directory).
    foreach ($dir in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -Match '^\d+$') {
        $id = [int]$dir.Name
        if ($id -eq $PID) { continue }
        try {
            $cwd = [IO.File]::ResolveLinkTarget("$($dir.FullName)/cwd", $false)?.FullName
            $cmd = ([IO.File]::ReadAllText("$($dir.FullName)/cmdline")) -replace "`0", ' '
            if (($cwd -and $cwd.StartsWith($Directory)) -or $cmd.Contains($Directory)) {
                if (Test-ProcessAlive $id) { [pscustomobject]@{ Id = $id; Command = $cmd.Trim() } }
            }
        } catch { }
    }
}

function Get-LiveVersion([string] $Url) {
    try { (Invoke-RestMethod -Uri "$Url/version" -TimeoutSec 5 -NoProxy).version } catch { "<no answer: $($_.Exception.Message)>" }
}
#endregion

#region the throwaway environment ------------------------------------------------------------------------------
$script:tmp = Join-Path ([IO.Path]::GetTempPath()) ("deployops-quickstart-" + [guid]::NewGuid().ToString('N').Substring(0, 10))
$pg = $null; $nginx = $null; $traffic = $null; $completed = $false
$savedEnv = @{ QUICKSTART_DB_PASSWORD = $env:QUICKSTART_DB_PASSWORD; QUICKSTART_SECRET_KEY = $env:QUICKSTART_SECRET_KEY }

try {
    Write-Heading 'DeployOps quickstart: a throwaway environment'
    New-Item -ItemType Directory -Path $tmp, "$tmp/state", "$tmp/run", "$tmp/logs" -Force | Out-Null
    Write-Host "Working directory: $tmp"

    # The module: -ModulePath, else the staged module in this repository, else an installed one.
    if (-not $ModulePath) {
        $staged = Join-Path $repo 'module/DeployOps/DeployOps.psd1'
        $ModulePath = (Test-Path $staged) ? $staged : 'DeployOps'
    }
    try { Import-Module $ModulePath -Force -ErrorAction Stop }
    catch { throw "cannot import the DeployOps module from '$ModulePath' (build it first: ./build.sh): $($_.Exception.Message)" }
    $module = Get-Module DeployOps
    Write-Host "Module: DeployOps $($module.Version) from $($module.Path)"

    # Tools.
    $dotnet = (Get-Command dotnet -ErrorAction SilentlyContinue)?.Source
    if (-not $dotnet) { throw 'dotnet is not on PATH: the demo application needs the .NET SDK (https://dot.net)' }
    $nginxBinary = if ('nginx' -notin $Without) {
        @('/usr/sbin/nginx', (Get-Command nginx -ErrorAction SilentlyContinue)?.Source) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    }
    $pgBin = if ('postgres' -notin $Without) {
        $initdb = @(Get-ChildItem /usr/lib/postgresql/*/bin/initdb -ErrorAction SilentlyContinue |
            Sort-Object { [int]($_.FullName -replace '^/usr/lib/postgresql/(\d+)/.*$', '$1') } -Descending |
            Select-Object -ExpandProperty FullName) + @((Get-Command initdb -ErrorAction SilentlyContinue)?.Source) |
            Where-Object { $_ } | Select-Object -First 1
        if ($initdb) { Split-Path $initdb -Parent }
    }
    if (-not $nginxBinary -or -not $pgBin) {
        $missing = @(if (-not $pgBin) { 'postgresql' }; if (-not $nginxBinary) { 'nginx-light' })
        Write-Host ''
        Write-Host "NOTE: $(($missing -join ' and ') -replace 'nginx-light', 'nginx' -replace 'postgresql', 'PostgreSQL') not found$(if ($Without) { " (or -Without $($Without -join ','))" })."
        Write-Host "      For the whole runbook install them:  sudo apt-get install -y postgresql nginx-light"
        if (-not $nginxBinary) { Write-Host '      Without nginx there is no router: the deployments run in place (-Strategy Hotfix).' }
        if (-not $pgBin) { Write-Host '      Without PostgreSQL there is no database check, database health signal or pre-rollback backup.' }
    }
    $strategy = $nginxBinary ? 'BlueGreen' : 'Hotfix'

    # The demo application: $env:DEPLOYOPS_DEMOAPP_DLL, else built into the temporary directory (never the source tree).
    if ($env:DEPLOYOPS_DEMOAPP_DLL) {
        $demoDll = (Resolve-Path $env:DEPLOYOPS_DEMOAPP_DLL).Path
        Write-Host "Demo application: $demoDll (DEPLOYOPS_DEMOAPP_DLL)"
    }
    else {
        Write-Host "Building the demo application into $tmp/demo (bounded: $($timeouts.Build) s) …"
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $build = Invoke-Native $dotnet -TimeoutSeconds $timeouts.Build -Log "$tmp/logs/build.log" -Environment @{
            DOTNET_CLI_TELEMETRY_OPTOUT = '1'; DOTNET_NOLOGO = '1'; MSBUILDDISABLENODEREUSE = '1'; DOTNET_CLI_USE_MSBUILD_SERVER = '0'
        } -ArgumentList @('build', (Join-Path $repo 'examples/DemoApp/DemoApp.csproj'), '-c', 'Release',
            '-o', "$tmp/demo", '--artifacts-path', "$tmp/artifacts", '-nologo', '-v', 'quiet',
            '-nodeReuse:false', '-p:UseSharedCompilation=false')
        if ($build.ExitCode -ne 0) { throw "dotnet build of the demo application failed (exit $($build.ExitCode)):`n$($build.Output)" }
        $demoDll = "$tmp/demo/DemoApp.dll"
        Write-Host ("Built in {0:N1} s: {1}" -f $sw.Elapsed.TotalSeconds, $demoDll)
    }

    # Ports, secrets.
    $bluePort = Get-FreePort; $greenPort = Get-FreePort; $proxyPort = Get-FreePort; $pgPort = Get-FreePort
    $env:QUICKSTART_DB_PASSWORD = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(18)) -replace '[+/=]', 'x'
    $env:QUICKSTART_SECRET_KEY = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))

    # PostgreSQL: initdb as the postgres user when running as root (initdb refuses root), TCP on loopback only.
    if ($pgBin) {
        $pgDir = "$tmp/postgres"; $pgData = "$pgDir/data"
        New-Item -ItemType Directory -Path $pgDir -Force | Out-Null
        Set-Content -Path "$pgDir/pwfile" -Value $env:QUICKSTART_DB_PASSWORD -NoNewline
        $asOwner = { param($exe, [string[]] $arguments, $timeout)
            if ($isRoot) { Invoke-Native runuser -ArgumentList (@('-u', 'postgres', '--', $exe) + $arguments) -TimeoutSeconds $timeout -WorkingDirectory $pgDir -Log "$tmp/logs/postgres-setup.log" -Check }
            else { Invoke-Native $exe -ArgumentList $arguments -TimeoutSeconds $timeout -WorkingDirectory $pgDir -Log "$tmp/logs/postgres-setup.log" -Check } }
        if ($isRoot) { Invoke-Native chown -ArgumentList '-R', 'postgres:postgres', $pgDir -Check | Out-Null }
        Write-Host "Starting PostgreSQL ($pgBin) on 127.0.0.1:$pgPort …"
        & $asOwner "$pgBin/initdb" @('-D', $pgData, '-U', 'deployops', "--pwfile=$pgDir/pwfile", '-A', 'scram-sha-256',
            '--auth-local=trust', '-E', 'UTF8', '--no-sync') $timeouts.InitDb | Out-Null
        [IO.File]::Delete("$pgDir/pwfile")   # (Remove-Item refuses files root does not own)
        Add-Content -Path "$pgData/postgresql.conf" -Value @"

port = $pgPort
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 32MB
"@
        $pg = [pscustomobject]@{ Bin = $pgBin; Data = $pgData; Port = $pgPort; Pid = 0 }   # cleanup stops it from here on
        & $asOwner "$pgBin/pg_ctl" @('-D', $pgData, '-l', "$pgDir/server.log", '-w', '-t', "$($timeouts.PgStart)", 'start') ($timeouts.PgStart + 15) | Out-Null
        $pg.Pid = [int](Get-Content "$pgData/postmaster.pid" -TotalCount 1)
        Invoke-Native "$pgBin/createdb" -ArgumentList '-h', '127.0.0.1', '-p', "$pgPort", '-U', 'deployops', 'shop' `
            -Environment @{ PGPASSWORD = $env:QUICKSTART_DB_PASSWORD } -TimeoutSeconds 30 -Check | Out-Null
        Write-Host "PostgreSQL is up (pid $($pg.Pid)), database 'shop'"
    }

    # The demo application as slot processes: the deployment steps call this script (start|stop <instance> <port> <version>; {instance} is the slot name for slots).
    Set-Content -Path "$tmp/app.sh" -Value @"
#!/usr/bin/env bash
# Starts/stops one demo-app process per slot; PIDs in run/<slot>.pid (and every PID ever started in run/started.pids).
set -u
dir="`$(cd "`$(dirname "`$0")" && pwd)"
alive() { [ -e "/proc/`$1" ] && ! sed 's/^.*) //' "/proc/`$1/stat" 2>/dev/null | grep -q '^[ZX]'; }
case "`$1" in
  start)
    DEMO_VERSION="`$4" DEMO_INSTANCE="`$2" ASPNETCORE_ENVIRONMENT=Production \
      nohup "$dotnet" "$demoDll" --urls "http://127.0.0.1:`$3" >> "`$dir/logs/`$2.log" 2>&1 < /dev/null &
    echo `$! > "`$dir/run/`$2.pid"; echo `$! >> "`$dir/run/started.pids"
    echo "started `$2 version `$4 on port `$3 (pid `$!)" ;;
  stop)
    if [ -f "`$dir/run/`$2.pid" ]; then
      pid="`$(cat "`$dir/run/`$2.pid")"
      kill "`$pid" 2>/dev/null
      for _ in `$(seq 1 100); do alive "`$pid" || break; sleep 0.1; done
      if alive "`$pid"; then kill -9 "`$pid" 2>/dev/null; sleep 0.2; fi
      rm -f "`$dir/run/`$2.pid"
      echo "stopped `$2 (pid `$pid)"
    fi ;;
  *) echo "usage: app.sh start|stop <slot> [port] [version]" >&2; exit 2 ;;
esac
"@

    # nginx: its own prefix, configuration, pid file and logs; the upstream include is the file DeployOps owns.
    if ($nginxBinary) {
        $prefix = "$tmp/nginx"
        New-Item -ItemType Directory -Path "$prefix/conf.d", "$prefix/logs", "$prefix/tmp" -Force | Out-Null
        $conf = "$prefix/nginx.conf"
        Set-Content -Path $conf -Value @"
$(if ($isRoot) { 'user root root;' })
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $prefix/tmp/body; proxy_temp_path $prefix/tmp/proxy; fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi; scgi_temp_path $prefix/tmp/scgi;
    include $prefix/conf.d/*.conf;
    server {
        listen 127.0.0.1:$proxyPort;
        location = /nginx-health { default_type text/plain; return 200 "ok\n"; }
        location / { proxy_pass http://app; proxy_next_upstream error timeout; }
    }
}
"@
        # Written once by hand so nginx can start; from now on DeployOps rewrites it. Nothing runs yet: blue is
        # listed as live, so the first deployment goes to the idle slot, green.
        Set-Content -Path "$prefix/conf.d/app-upstream.conf" -Value @"
# deployops-backends: [{"name":"blue","host":"127.0.0.1","port":$bluePort,"weight":100},{"name":"green","host":"127.0.0.1","port":$greenPort,"weight":0}]
upstream app {
    server 127.0.0.1:$bluePort weight=100;
    server 127.0.0.1:$greenPort down;
}
"@
        Write-Host "Starting nginx ($nginxBinary) on 127.0.0.1:$proxyPort …"
        $nginx = [pscustomobject]@{ Binary = $nginxBinary; Prefix = $prefix; Conf = $conf; Port = $proxyPort; Pid = 0 }
        Invoke-Native $nginxBinary -ArgumentList '-p', "$prefix/", '-c', $conf -TimeoutSeconds $timeouts.Nginx -Log "$tmp/logs/nginx-setup.log" -Check | Out-Null
        $nginx.Pid = [int](Get-Content "$prefix/nginx.pid" -TotalCount 1)
        Wait-Port $proxyPort $timeouts.Port 'nginx'
        Write-Host "nginx is up (master pid $($nginx.Pid))"
    }
    $appUrl = $nginx ? "http://127.0.0.1:$proxyPort" : "http://127.0.0.1:$bluePort"

    # The configuration.
    $config = "$tmp/deployops.yaml"
    $yaml = [Text.StringBuilder]::new()
    [void]$yaml.AppendLine(@"
# Generated by examples/quickstart.ps1 — a throwaway environment on loopback ports.
application: quickstart
environment: local
"@)
    if ($pg) {
        [void]$yaml.AppendLine(@"
postgres:
  host: 127.0.0.1
  port: $pgPort
  database: shop
  username: deployops
  password: `${env:QUICKSTART_DB_PASSWORD}
"@)
    }
    [void]$yaml.AppendLine(@"
endpoints:
  app: $appUrl
state:
  directory: state
checks:
$(if ($pg) { '  - { name: database, kind: postgres }' })
$(if ($nginx) { "  - { name: router, kind: http, url: `"http://127.0.0.1:$proxyPort/nginx-health`", bodyContains: ok, maxLatency: 500ms }" })
  - { name: disk, kind: disk, path: state, minFree: 1GB }
  - { name: memory, kind: memory, minAvailable: 256MB, warnAvailable: 512MB }
  - name: secrets
    kind: secrets
    variables: [ { name: QUICKSTART_SECRET_KEY, minLength: 32 }, QUICKSTART_DB_PASSWORD ]
  - { name: demo-build, kind: command, command: "test -f '$demoDll'" }
deployment:
"@)
    if ($nginx) {
        [void]$yaml.AppendLine(@"
  slots:
    blue: { host: 127.0.0.1, port: $bluePort }
    green: { host: 127.0.0.1, port: $greenPort }
  traffic:
    upstreamFile: nginx/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($nginx.Binary)
    nginxArguments: "-p $($nginx.Prefix)/ -c $($nginx.Conf)"
    probeUrl: http://127.0.0.1:$proxyPort/version
    confirmTimeout: 30s
"@)
    }
    else {
        [void]$yaml.AppendLine(@"
  instances:
    - { name: app, host: 127.0.0.1, port: $bluePort }
"@)
    }
    [void]$yaml.AppendLine(@"
  readiness: { path: /health, timeout: 60s, interval: 250ms }
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {instance}", timeout: 30s } ]
    start: [ { name: start, command: "bash ./app.sh start {instance} {port} {version}", timeout: 30s } ]
    smoke: [ { name: version, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } }, retries: 3 } ]
$(if ($nginx) { "    verify: [ { name: through nginx, http: { url: `"http://127.0.0.1:$proxyPort/version`", expectJson: { version: `"{version}`" } }, retries: 3 } ]" })
health:
  scrape: { targets: [app] }
  probes: [app]
  timeout: 2s
  minRequests: 5
rollback:
  logPaths: [logs]
"@)
    Set-Content -Path $config -Value $yaml.ToString()
    Write-Host "Configuration: $config"
    Write-Host ''
    Write-Host (Get-Content $config -Raw)
    Write-Host ("Environment ready after {0:N1} s" -f $clock.Elapsed.TotalSeconds)
    #endregion

    #region the runbook ------------------------------------------------------------------------------------------
    Write-Heading 'Test-DeploymentConfig'
    try {
        $checked = Test-DeploymentConfig -Path $config
        $checked | Show-Object
        Write-Result 'Test-DeploymentConfig' ($null -ne $checked) 'the configuration is valid'
    }
    catch { Write-Result 'Test-DeploymentConfig' $false $_.Exception.Message }

    Write-Heading 'Test-PreDeployment (the checklist)'
    try {
        $checks = @(Test-PreDeployment -Path $config)
        $checks | Show-Object
        $failed = @($checks | Where-Object { "$($_.Status)" -eq 'Failed' })
        Write-Result 'Test-PreDeployment' ($checks.Count -gt 0 -and $failed.Count -eq 0) (
            $failed ? "failed: $(($failed | ForEach-Object { "$($_.Name): $($_.Message)" }) -join '; ')" : "$($checks.Count) checks, none failed")
    }
    catch { Write-Result 'Test-PreDeployment' $false $_.Exception.Message }

    $records = @{}
    foreach ($version in '1.0.0', '2.0.0') {
        Write-Heading "Invoke-Deployment -Strategy $strategy -Version $version"
        try {
            $record = Invoke-Deployment -Path $config -Strategy $strategy -Version $version -Confirm:$false -ErrorAction Continue
            $records[$version] = $record
            $record | Show-Object
            $record.Phases | Format-Table Name, Status, @{ Name = 'Duration'; Expression = { '{0:N1} s' -f $_.Duration.TotalSeconds }; Alignment = 'Right' }, Detail -Wrap | Show-Object
            $live = Get-LiveVersion $appUrl
            Write-Result "Invoke-Deployment $version" ("$($record.Outcome)" -eq 'Succeeded' -and $live -eq $version) (
                "outcome $($record.Outcome)$(if ($record.Error) { " ($($record.Error))" }); $appUrl/version answers $live")
        }
        catch { Write-Result "Invoke-Deployment $version" $false $_.Exception.Message }
    }

    Write-Heading 'Watch-DeploymentHealth -Duration 10s -Interval 1s (with light traffic)'
    try {
        # Light traffic for the watch to judge: a background runspace sends ~20 requests a second.
        $traffic = [powershell]::Create()
        [void]$traffic.AddScript({
            param($url, $seconds)
            $http = [Net.Http.HttpClient]::new(); $http.Timeout = [TimeSpan]::FromSeconds(2)
            $until = [DateTime]::UtcNow.AddSeconds($seconds); $n = 0
            while ([DateTime]::UtcNow -lt $until) {
                try { $http.GetAsync("$url/api/orders").GetAwaiter().GetResult().Dispose(); $n++ } catch { }
                Start-Sleep -Milliseconds 50
            }
            $http.Dispose(); $n
        }).AddArgument($appUrl).AddArgument(40)
        $trafficRun = $traffic.BeginInvoke()
        Start-Sleep -Seconds 1
        # TimeSpan objects: accepted whether or not the cmdlet also parses '10s'.
        $watchArgs = @{ Path = $config; Duration = [TimeSpan]::FromSeconds(10); Interval = [TimeSpan]::FromSeconds(1) }
        if ($records['2.0.0']) { $watchArgs.DeploymentId = $records['2.0.0'].Id }
        $watch = @(Watch-DeploymentHealth @watchArgs -ErrorAction Continue)
        $traffic.Stop(); $traffic.Dispose(); $traffic = $null
        $samples = @($watch | Where-Object { $_.GetType().Name -eq 'HealthSample' })
        $decision = $watch | Where-Object { $_.GetType().Name -ne 'HealthSample' } | Select-Object -Last 1
        $samples | Show-Object
        Write-Host ''
        $decision | Show-Object
        Write-Result 'Watch-DeploymentHealth' ($null -ne $decision -and "$($decision.Verdict)" -eq 'Healthy') (
            "$($samples.Count) samples, verdict $($decision ? $decision.Verdict : '<none>')$(if ($decision -and $decision.Reasons) { ": $(@($decision.Reasons) -join '; ')" })")
    }
    catch { Write-Result 'Watch-DeploymentHealth' $false $_.Exception.Message }

    Write-Heading 'Invoke-Rollback -Confirm:$false'
    try {
        $rollback = Invoke-Rollback -Path $config -Reason 'quickstart: roll back 2.0.0' -Confirm:$false -ErrorAction Continue
        $rollback | Show-Object
        $live = Get-LiveVersion $appUrl
        Write-Result 'Invoke-Rollback' ($null -ne $rollback -and $rollback.ExitCode -eq 0 -and $live -eq '1.0.0') (
            "exit code $($rollback ? $rollback.ExitCode : '<none>'), status $($rollback ? $rollback.Status : '<none>'); $appUrl/version answers $live")
    }
    catch { Write-Result 'Invoke-Rollback' $false $_.Exception.Message }

    Write-Heading 'Get-DeploymentHistory'
    try {
        $history = @(Get-DeploymentHistory -Path $config)
        $history | Show-Object
        $outcomes = ($history | ForEach-Object { "$($_.Version) $($_.Outcome)" }) -join ', '
        Write-Result 'Get-DeploymentHistory' ($outcomes -eq '2.0.0 RolledBack, 1.0.0 Succeeded') "newest first: $outcomes"
    }
    catch { Write-Result 'Get-DeploymentHistory' $false $_.Exception.Message }
    $completed = $true
    #endregion
}
catch {
    Write-Host ''
    Write-Result 'quickstart' $false $_.Exception.Message
}
finally {
    #region cleanup: by PID, bounded, always -----------------------------------------------------------------------
    Write-Heading 'Cleanup'
    if (-not $completed -and -not $failures.Count) { $failures.Add('interrupted (Ctrl+C or a stop) before every step ran') }
    if ($traffic) { try { $traffic.Stop(); $traffic.Dispose() } catch { } }
    if ($nginx) {
        try {
            if (Test-Path "$($nginx.Prefix)/nginx.pid") { $nginx.Pid = [int](Get-Content "$($nginx.Prefix)/nginx.pid" -TotalCount 1) }
            $workers = @(if ($nginx.Pid -gt 1) { Get-ChildProcessId $nginx.Pid })
            Invoke-Native $nginx.Binary -ArgumentList '-p', "$($nginx.Prefix)/", '-c', $nginx.Conf, '-s', 'stop' -TimeoutSeconds $timeouts.Stop | Out-Null
            Stop-ProcessById $nginx.Pid 'nginx' $timeouts.Stop
            foreach ($w in $workers) { Stop-ProcessById $w 'nginx worker' 5 }
            Write-Host "nginx stopped (pid $($nginx.Pid))"
        } catch { Write-Host "nginx: $($_.Exception.Message)" }
    }
    if ($pg) {
        try {
            if (Test-Path "$($pg.Data)/postmaster.pid") { $pg.Pid = [int](Get-Content "$($pg.Data)/postmaster.pid" -TotalCount 1) }
            $stop = { param($exe, [string[]] $arguments) if ($isRoot) { Invoke-Native runuser -ArgumentList (@('-u', 'postgres', '--', $exe) + $arguments) -TimeoutSeconds ($timeouts.Stop + 10) -WorkingDirectory $tmp }
                      else { Invoke-Native $exe -ArgumentList $arguments -TimeoutSeconds ($timeouts.Stop + 10) -WorkingDirectory $tmp } }
            & $stop "$($pg.Bin)/pg_ctl" @('-D', $pg.Data, '-m', 'fast', '-w', '-t', "$($timeouts.Stop)", 'stop') | Out-Null
            Stop-ProcessById $pg.Pid 'PostgreSQL' $timeouts.Stop
            Write-Host "PostgreSQL stopped (pid $($pg.Pid))"
        } catch { Write-Host "PostgreSQL: $($_.Exception.Message)" }
    }
    $demoPids = @(Get-ChildItem "$tmp/run" -Filter '*.pid*' -ErrorAction SilentlyContinue | Get-Content | Where-Object { $_ -match '^\d+$' } | ForEach-Object { [int]$_ } | Sort-Object -Unique)
    foreach ($id in $demoPids) { Stop-ProcessById $id 'demo app' 10 }
    if ($demoPids) { Write-Host "demo application processes stopped (pids $($demoPids -join ', '))" }
    # Anything else still running inside our directory (e.g. a step's child): stopped by PID too.
    foreach ($left in @(Get-ProcessUnder $tmp)) {
        Write-Host "  stopping leftover pid $($left.Id): $($left.Command)"
        Stop-ProcessById $left.Id 'leftover' 5
    }
    foreach ($name in $savedEnv.Keys) { Set-Item "env:$name" -Value $savedEnv[$name] -ErrorAction SilentlyContinue; if ($null -eq $savedEnv[$name]) { Remove-Item "env:$name" -ErrorAction SilentlyContinue } }
    if ($Keep) { Write-Host "Kept $tmp (-Keep)" }
    elseif (Test-Path $tmp) {
        # [IO.Directory]::Delete: Remove-Item refuses the postgres-owned files when running as root.
        try { [IO.Directory]::Delete($tmp, $true) } catch { Write-Host "WARNING: $($_.Exception.Message)" }
        if (Test-Path $tmp) { Write-Host "WARNING: could not remove $tmp completely" } else { Write-Host "Removed $tmp" }
    }
    Write-Host ''
    Write-Host ('Quickstart finished in {0:N1} s: {1}' -f $clock.Elapsed.TotalSeconds,
        ($failures.Count ? "$($failures.Count) step(s) failed:`n  " + ($failures -join "`n  ") : 'every step did what it should'))
    #endregion
    # Inside finally, so that an interrupted run exits 1 too.
    exit ($failures.Count ? 1 : 0)
}
