#Requires -Version 7.4
<#
.SYNOPSIS
    Helpers shared by the Pester suites. Dot-source it in a top-level BeforeAll:  . (Join-Path $PSScriptRoot 'TestSupport.ps1')

.DESCRIPTION
    Every temp folder (/tmp/deployops-pester-*) and every process a suite starts through these helpers is registered
    here; Remove-TestResources (call it from the suite's AfterAll) stops each process by its PID and deletes each
    folder, also when a test or BeforeAll failed half way. Every wait is bounded. A missing program throws with the
    command that installs it (Get-RequiredProgram) instead of skipping silently.
#>

if (-not (Get-Variable -Name DeployOpsTestResources -Scope Script -ErrorAction SilentlyContinue)) {
    $script:DeployOpsTestResources = [pscustomobject]@{
        Directories = [System.Collections.Generic.List[string]]::new()
        Processes   = [System.Collections.Generic.List[object]]::new()   # @{ Id; Name; Stop = optional scriptblock }
        Cleanups    = [System.Collections.Generic.List[object]]::new()      # @{ Block; Arguments }
    }
}

function Import-DeployOpsUnderTest {
    if (-not $env:DEPLOYOPS_MODULE_PATH) {
        throw 'DEPLOYOPS_MODULE_PATH is not set: run ./build.sh and point it at module/DeployOps/DeployOps.psd1 (tests/pester/Invoke-PesterSuites.ps1 does this)'
    }
    Import-Module $env:DEPLOYOPS_MODULE_PATH -Force -ErrorAction Stop
}

function Get-PwshPath {
    <# The pwsh executable for child processes (this process may be `dotnet pwsh.dll` when pwsh is a dotnet tool). #>
    $candidate = Join-Path $PSHOME 'pwsh'
    if (Test-Path $candidate -PathType Leaf) { return $candidate }
    Get-RequiredProgram -Candidates pwsh -Install 'PowerShell 7 (dotnet tool install -g powershell, or the powershell package)'
}

function Get-RepositoryRoot { (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }

function New-TestDirectory([string] $Name = 'suite') {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("deployops-pester-$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    $script:DeployOpsTestResources.Directories.Add($dir)
    $dir
}

function Register-TestProcess {
    <# Registers a process this suite started (the Process object: a PID alone could be reused by the time we stop it). #>
    param([Parameter(Mandatory)] [System.Diagnostics.Process] $Process, [string] $Name = "pid $($Process.Id)")
    $script:DeployOpsTestResources.Processes.Add([pscustomobject]@{ Process = $Process; Name = $Name })
}

function Register-TestCleanup {
    <# $Cleanup runs in Remove-TestResources with $ArgumentList (no closures: they would not see these helpers). #>
    param([Parameter(Mandatory)] [scriptblock] $Cleanup, [object[]] $ArgumentList = @())
    $script:DeployOpsTestResources.Cleanups.Add([pscustomobject]@{ Block = $Cleanup; Arguments = $ArgumentList })
}

function Stop-TestProcess {
    <#
      Stops one process this suite started (and its children): SIGTERM, then SIGKILL after $GraceSeconds; bounded.
      -Process: a Process object we hold. -Id with -CommandLike: a PID from a pid file, stopped only while its command
      line still matches (a PID can be reused by an unrelated process once ours has exited).
    #>
    param([System.Diagnostics.Process] $Process, [int] $Id, [string] $CommandLike, [int] $GraceSeconds = 10)
    if (-not $Process) {
        if (-not $Id) { return }
        $cmdline = try { (Get-Content "/proc/$Id/cmdline" -Raw -ErrorAction Stop) -replace "`0", ' ' } catch { $null }
        if (-not $cmdline -or ($CommandLike -and $cmdline -notlike $CommandLike)) { return }
        $Process = Get-Process -Id $Id -ErrorAction SilentlyContinue
        if (-not $Process) { return }
    }
    try {
        if ($Process.HasExited) { return }
        & kill -TERM $Process.Id 2>$null
        if (-not $Process.WaitForExit($GraceSeconds * 1000)) { $Process.Kill($true); [void]$Process.WaitForExit(5000) }
    }
    catch { Write-Warning "could not stop pid $($Process.Id): $_" }
}

function Remove-TestResources {
    <# Call from AfterAll. Runs registered cleanups, stops registered processes (last started first), deletes folders. #>
    $r = $script:DeployOpsTestResources
    for ($i = $r.Cleanups.Count - 1; $i -ge 0; $i--) {
        $c = $r.Cleanups[$i]
        try { & $c.Block @($c.Arguments) } catch { Write-Warning "cleanup failed: $_" }
    }
    $r.Cleanups.Clear()
    for ($i = $r.Processes.Count - 1; $i -ge 0; $i--) {
        Stop-TestProcess -Process $r.Processes[$i].Process
    }
    $r.Processes.Clear()
    # Whatever a stopped daemon left mounted under our folders (dockerd's exec root) is unmounted before deleting.
    $mounts = @(Get-Content /proc/mounts -ErrorAction SilentlyContinue | ForEach-Object { ($_ -split ' ')[1] })
    foreach ($dir in $r.Directories) {
        $mounts | Where-Object { $_ -like "$dir/*" } | Sort-Object Length -Descending | ForEach-Object { & umount -l $_ 2>$null }
    }
    foreach ($dir in $r.Directories) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }
    $r.Directories.Clear()
}

function Get-RequiredProgram {
    <# The first existing path or command; throws naming the install command when none exists. #>
    param([Parameter(Mandatory)] [string[]] $Candidates, [Parameter(Mandatory)] [string] $Install)
    foreach ($c in $Candidates) {
        if ($c.Contains('/')) { $found = Get-Item -Path $c -ErrorAction SilentlyContinue | Select-Object -First 1 -ExpandProperty FullName }
        else { $found = (Get-Command $c -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source }
        if ($found) { return $found }
    }
    throw "$($Candidates -join ' / ') not found. Install it with: $Install"
}

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Test-Port([int] $Port, [string] $Address = '127.0.0.1') {
    $client = [System.Net.Sockets.TcpClient]::new()
    try { return $client.ConnectAsync($Address, $Port).Wait(1000) -and $client.Connected } catch { return $false } finally { $client.Dispose() }
}

function Wait-Port {
    param([Parameter(Mandatory)] [int] $Port, [int] $TimeoutSeconds = 60, [System.Diagnostics.Process] $Process, [string] $LogPath)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (Test-Port $Port) { return }
        if ($Process -and $Process.HasExited) { break }
        Start-Sleep -Milliseconds 200
    }
    $log = if ($LogPath -and (Test-Path $LogPath)) { "`n" + ((Get-Content $LogPath -Tail 30) -join "`n") } else { '' }
    throw "nothing listens on 127.0.0.1:$Port after ${TimeoutSeconds}s$log"
}

function Wait-Until {
    param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 30, [string] $Because = 'condition')
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 200
    }
    throw "timed out after ${TimeoutSeconds}s waiting for $Because"
}

function Start-TestProcess {
    <# Start-Process with output to files in $Directory, registered for cleanup. Returns the Process. #>
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @(), [Parameter(Mandatory)] [string] $Directory,
          [Parameter(Mandatory)] [string] $Name, [hashtable] $Environment = @{})
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        $process = Start-Process -FilePath $FilePath -ArgumentList $ArgumentList -WorkingDirectory $Directory -PassThru `
            -RedirectStandardOutput (Join-Path $Directory "$Name.out") -RedirectStandardError (Join-Path $Directory "$Name.err")
    }
    finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
    Register-TestProcess -Process $process -Name $Name
    $process
}

# ---------------------------------------------------------------------------------------------------- demo app

function Get-DemoAppDll {
    <#
      DEPLOYOPS_DEMOAPP_DLL when set (CI builds the demo app once, outside the tree); otherwise builds examples/DemoApp
      into a temp folder (registered for cleanup) with obj/ and bin/ redirected there too, so nothing lands in the tree.
    #>
    if ($env:DEPLOYOPS_DEMOAPP_DLL) {
        if (-not (Test-Path $env:DEPLOYOPS_DEMOAPP_DLL)) { throw "DEPLOYOPS_DEMOAPP_DLL=$($env:DEPLOYOPS_DEMOAPP_DLL) does not exist" }
        return (Resolve-Path $env:DEPLOYOPS_DEMOAPP_DLL).Path
    }
    if ($script:DeployOpsDemoAppDll -and (Test-Path $script:DeployOpsDemoAppDll)) { return $script:DeployOpsDemoAppDll }
    $dotnet = Get-RequiredProgram -Candidates dotnet -Install 'the .NET SDK (https://dot.net/install), or set DEPLOYOPS_DEMOAPP_DLL to a built DemoApp.dll'
    $tmp = New-TestDirectory 'demoapp'
    $project = Join-Path (Get-RepositoryRoot) 'examples/DemoApp/DemoApp.csproj'
    $log = & $dotnet build $project -c Release -o (Join-Path $tmp 'out') --artifacts-path (Join-Path $tmp 'artifacts') --nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) { throw "building $project failed:`n$($log -join "`n")" }
    $script:DeployOpsDemoAppDll = Join-Path $tmp 'out/DemoApp.dll'
    $script:DeployOpsDemoAppDll
}

function Start-DemoApp {
    <#
      Starts examples/DemoApp on a free loopback port; waits (bounded) for /health. Returns Process, Port, Url.
      -Cgroup: a cgroup v1 folder (New-TestMemoryCgroup) the app runs in from its first page: a shell joins it, then
      execs dotnet (the same PID), since the kernel no longer moves charges of a process moved in later.
    #>
    param([string] $Version = 'pester', [int] $Port = (Get-FreePort), [hashtable] $Environment = @{}, [string] $Directory,
          [int] $TimeoutSeconds = 90, [string] $Cgroup)
    $dll = Get-DemoAppDll
    if (-not $Directory) { $Directory = New-TestDirectory 'demo' }
    $env = @{ DEMO_VERSION = $Version } + $Environment
    $dotnet = Get-RequiredProgram -Candidates dotnet -Install 'the .NET runtime (https://dot.net/install)'
    $file, $arguments = if ($Cgroup) { '/bin/sh', @('-c', "`"echo `$`$ > $Cgroup/cgroup.procs && exec $dotnet $dll --urls http://127.0.0.1:$Port`"") }
                        else { $dotnet, @("`"$dll`"", '--urls', "http://127.0.0.1:$Port") }
    $process = Start-TestProcess -FilePath $file -ArgumentList $arguments -Directory $Directory -Name "demoapp-$Port" -Environment $env
    Wait-Port -Port $Port -TimeoutSeconds $TimeoutSeconds -Process $process -LogPath (Join-Path $Directory "demoapp-$Port.out")
    [pscustomobject]@{ Process = $process; Port = $Port; Url = "http://127.0.0.1:$Port" }
}

function New-TestMemoryCgroup {
    <#
      A cgroup v1 memory group with a limit, under /sys/fs/cgroup/memory (this machine's controllers are on v1; root
      needed). Cleanup moves what is still inside back to the root group and removes it. Returns its folder.
    #>
    param([Parameter(Mandatory)] [long] $LimitBytes)
    $root = '/sys/fs/cgroup/memory'
    if (-not (Test-Path "$root/memory.limit_in_bytes")) { throw "the cgroup tests need the memory controller mounted at $root (mount -t cgroup -o memory cgroup $root) and root" }
    $group = Join-Path $root ('deployops-test-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $group | Out-Null
    # One argument: Remove-TestResources passes the argument list as a single value.
    Register-TestCleanup -ArgumentList ([pscustomobject]@{ Group = $group; Root = $root }) -Cleanup {
        param($cgroup)
        Get-Content "$($cgroup.Group)/cgroup.procs" -ErrorAction SilentlyContinue | Where-Object { $_ } |
            ForEach-Object { try { [IO.File]::WriteAllText("$($cgroup.Root)/cgroup.procs", $_) } catch { } }
        foreach ($i in 1..50) { try { [IO.Directory]::Delete($cgroup.Group); break } catch { Start-Sleep -Milliseconds 100 } }
        if (Test-Path $cgroup.Group) { Write-Warning "could not remove the cgroup $($cgroup.Group)" }
    }
    [IO.File]::WriteAllText("$group/memory.limit_in_bytes", "$LimitBytes")
    $group
}

function New-DemoAppScript {
    <#
      Writes $Directory/app.sh, the start/stop command deployment steps call:
        bash ./app.sh start <name> <port> <version> [<address>]   (nohup demo app on <address>, default 127.0.0.1,
                                                                   answering /version with instance <name>;
                                                                   pid in <name>.pid, output in <name>.out)
        bash ./app.sh stop <name>                     (TERM, bounded wait, KILL)
      A version ending in "-faulty" starts with a 100% error rate on /api (a release that goes bad).
      and registers a cleanup that stops every process recorded in a <name>.pid there.
    #>
    param([Parameter(Mandatory)] [string] $Directory)
    $dll = Get-DemoAppDll
    $dotnet = Get-RequiredProgram -Candidates dotnet -Install 'the .NET runtime (https://dot.net/install)'
    @"
#!/bin/bash
dir="`$(cd "`$(dirname "`$0")" && pwd)"
case "`$1" in
  start) case "`$4" in *-faulty) export DEMO_ERROR_RATE=1 ;; esac
         DEMO_VERSION="`$4" DEMO_INSTANCE="`$2" nohup "$dotnet" "$dll" --urls "http://`${5:-127.0.0.1}:`$3" > "`$dir/`$2.out" 2>&1 < /dev/null &
         echo `$! > "`$dir/`$2.pid" ;;
  stop) if [ -f "`$dir/`$2.pid" ]; then pid="`$(cat "`$dir/`$2.pid")"; kill "`$pid" 2>/dev/null
          for i in `$(seq 1 50); do kill -0 "`$pid" 2>/dev/null || break; sleep 0.2; done
          kill -9 "`$pid" 2>/dev/null; rm -f "`$dir/`$2.pid"; fi ;;
esac
"@ | Set-Content (Join-Path $Directory 'app.sh')
    Register-TestCleanup -ArgumentList $Directory -Cleanup {
        param($Directory)
        Get-ChildItem $Directory -Filter *.pid -ErrorAction SilentlyContinue |
            ForEach-Object { Stop-TestProcess -Id ([int](Get-Content $_ -TotalCount 1)) -CommandLike '*DemoApp.dll*' }
    }
    Join-Path $Directory 'app.sh'
}

# ---------------------------------------------------------------------------------------------------- load

# Steady real traffic (the evidence the error-rate and latency rules need) from a thread job that stops on a flag;
# every request is bounded by -TimeoutSec, so stopping it is bounded too.
function Start-Load([string] $Url) {
    $flag = [hashtable]::Synchronized(@{ Stop = $false })
    $job = Start-ThreadJob -ArgumentList $Url, $flag -ScriptBlock {
        param($url, $flag)
        while (-not $flag.Stop) {
            try { Invoke-WebRequest "$url/api/work" -TimeoutSec 2 | Out-Null } catch { Start-Sleep -Milliseconds 100 }
            Start-Sleep -Milliseconds 20
        }
    }
    [pscustomobject]@{ Job = $job; Flag = $flag }
}
function Stop-Load($Load) {
    if (-not $Load) { return }
    $Load.Flag.Stop = $true
    Wait-Job $Load.Job -Timeout 15 | Out-Null
    Remove-Job $Load.Job -Force
}

# ---------------------------------------------------------------------------------------------------- static HTTP

function Start-StaticHttpServer {
    <# busybox httpd serving $Root on a free loopback port (a stoppable stand-in for an application's /health). #>
    param([Parameter(Mandatory)] [string] $Root, [int] $Port = (Get-FreePort))
    $busybox = Get-RequiredProgram -Candidates /bin/busybox, /usr/bin/busybox, busybox -Install 'apt-get install -y busybox-static'
    $process = Start-TestProcess -FilePath $busybox -ArgumentList 'httpd', '-f', '-p', "127.0.0.1:$Port", '-h', $Root `
        -Directory (Split-Path $Root) -Name "httpd-$Port"
    Wait-Port -Port $Port -TimeoutSeconds 30 -Process $process
    [pscustomobject]@{ Process = $process; Port = $Port; Url = "http://127.0.0.1:$Port" }
}

# ---------------------------------------------------------------------------------------------------- nginx

function Start-TestNginx {
    <#
      A private nginx in $Prefix (foreground, owned by this process) listening on $ProxyPort and including
      $Prefix/conf.d/*.conf. $ServerInclude (e.g. a maintenance include file) is included inside the server block.
      Returns Nginx (binary), Prefix, Conf, Process, Port.
    #>
    param([Parameter(Mandatory)] [string] $Prefix, [int] $ProxyPort = (Get-FreePort), [string] $Upstream = 'app', [string] $ServerInclude)
    $nginx = Get-RequiredProgram -Candidates /usr/sbin/nginx, nginx -Install 'apt-get install -y nginx-light'
    New-Item -ItemType Directory -Path (Join-Path $Prefix 'conf.d'), (Join-Path $Prefix 'logs'), (Join-Path $Prefix 'tmp') -Force | Out-Null
    $user = if ([Environment]::UserName -eq 'root') { 'user root root;' } else { '' }
    $conf = Join-Path $Prefix 'nginx.conf'
    $include = if ($ServerInclude) { "include $ServerInclude;" } else { '' }
    @"
$user
worker_processes 1;
pid $Prefix/nginx.pid;
error_log $Prefix/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $Prefix/tmp/body; proxy_temp_path $Prefix/tmp/proxy; fastcgi_temp_path $Prefix/tmp/fastcgi;
    uwsgi_temp_path $Prefix/tmp/uwsgi; scgi_temp_path $Prefix/tmp/scgi;
    include $Prefix/conf.d/*.conf;
    server { listen 127.0.0.1:$ProxyPort; $include location / { proxy_pass http://$Upstream; } }
}
"@ | Set-Content $conf
    $process = Start-TestProcess -FilePath $nginx -ArgumentList '-p', "$Prefix/", '-c', $conf, '-g', '"daemon off;"' -Directory $Prefix -Name 'nginx'
    Wait-Port -Port $ProxyPort -TimeoutSeconds 30 -Process $process -LogPath (Join-Path $Prefix 'logs/error.log')
    [pscustomobject]@{ Nginx = $nginx; Prefix = $Prefix; Conf = $conf; Process = $process; Port = $ProxyPort }
}

# ---------------------------------------------------------------------------------------------------- PostgreSQL

function Start-TestPostgres {
    <#
      A throwaway PostgreSQL cluster (newest /usr/lib/postgresql/*/bin) in its own folder on a free loopback port with
      password auth for $User. As root the cluster runs as the postgres user. Stopped by Remove-TestResources.
    #>
    param([string] $User = 'deployops', [string] $Password = ('pester-' + [guid]::NewGuid().ToString('N').Substring(0, 16)))
    $initdb = Get-ChildItem -Path /usr/lib/postgresql/*/bin/initdb -ErrorAction SilentlyContinue |
        Sort-Object { [double]$_.Directory.Parent.Name } -Descending | Select-Object -First 1
    if (-not $initdb) { throw 'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin. Install them with: apt-get install -y postgresql' }
    $pg = [pscustomobject]@{
        Bin = $initdb.Directory.FullName; Root = (New-TestDirectory 'pg'); Port = (Get-FreePort); User = $User; Password = $Password
        IsRoot = ((& id -u) -eq '0'); Data = $null
    }
    $pg.Data = Join-Path $pg.Root 'data'
    Set-Content -Path (Join-Path $pg.Root 'pw') -Value $Password -NoNewline
    if ($pg.IsRoot) { & chown -R postgres:postgres $pg.Root }
    Invoke-PostgresTool $pg initdb @('-D', $pg.Data, '-U', $User, "--pwfile=$(Join-Path $pg.Root 'pw')",
        '-A', 'scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync') | Out-Null
    Add-Content -Path (Join-Path $pg.Data 'postgresql.conf') -Value @"
port = $($pg.Port)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$($pg.Root)'
fsync = off
"@
    # Registered before the start so a half-started cluster is stopped too: pg_ctl stop, then the postmaster's PID.
    Register-TestCleanup -ArgumentList $pg -Cleanup {
        param($pg)
        $pidFile = Join-Path $pg.Data 'postmaster.pid'
        if (-not (Test-Path $pidFile)) { return }
        $postmaster = [int](Get-Content $pidFile -TotalCount 1)
        try { Invoke-PostgresTool $pg pg_ctl @('-D', $pg.Data, '-m', 'immediate', '-t', '20', '-w', 'stop') | Out-Null } catch { Write-Warning $_ }
        Stop-TestProcess -Id $postmaster -CommandLike "*postgres*$($pg.Data)*"
    }
    Invoke-PostgresTool $pg pg_ctl @('-D', $pg.Data, '-l', (Join-Path $pg.Root 'server.log'), '-t', '60', '-w', 'start') | Out-Null
    $pg
}

function Invoke-PostgresTool($Cluster, [string] $Tool, [string[]] $Arguments) {
    $exe = Join-Path $Cluster.Bin $Tool
    if ($Cluster.IsRoot) { & runuser -u postgres -- $exe @Arguments } else { & $exe @Arguments }
    if ($LASTEXITCODE -ne 0) { throw "$Tool $($Arguments -join ' ') exited $LASTEXITCODE" }
}

function Invoke-TestSql($Cluster, [string] $Sql, [string] $Database = 'postgres') {
    $env:PGPASSWORD = $Cluster.Password; $env:PGOPTIONS = '-c client_min_messages=warning'
    try {
        $out = & (Join-Path $Cluster.Bin 'psql') -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $Cluster.Port -U $Cluster.User -d $Database -c $Sql
        if ($LASTEXITCODE -ne 0) { throw "psql exited $LASTEXITCODE for: $Sql" }
        $out
    }
    finally { Remove-Item Env:PGPASSWORD, Env:PGOPTIONS -ErrorAction SilentlyContinue }
}

# ---------------------------------------------------------------------------------------------------- Redis

function Start-TestRedis {
    $server = Get-RequiredProgram -Candidates redis-server -Install 'apt-get install -y redis-server'
    $cli = Get-RequiredProgram -Candidates redis-cli -Install 'apt-get install -y redis-tools'
    $dir = New-TestDirectory 'redis'
    $port = Get-FreePort
    $process = Start-TestProcess -FilePath $server -ArgumentList '--port', $port, '--bind', '127.0.0.1', '--dir', $dir, '--appendonly', 'no', '--save', '""' `
        -Directory $dir -Name 'redis'
    Wait-Until -TimeoutSeconds 30 -Because "redis-server on $port" -Condition { (& $cli -p $port ping 2>$null) -eq 'PONG' }
    [pscustomobject]@{ Port = $port; Cli = $cli; Process = $process; Directory = $dir }
}

function Start-TestRedisSecured {
    <#
      redis-server with TLS only (no plain-text port; a certificate for 127.0.0.1 signed by a CA made here with openssl)
      and an ACL user; the default user is switched off. Returns Port, CaFile, User, Password, Directory.
    #>
    param([string] $User = 'deployops', [string] $Password = ('acl-' + [guid]::NewGuid().ToString('N').Substring(0, 16)))
    $server = Get-RequiredProgram -Candidates redis-server -Install 'apt-get install -y redis-server'
    $openssl = Get-RequiredProgram -Candidates openssl -Install 'apt-get install -y openssl'
    $dir = New-TestDirectory 'redis-tls'
    $port = Get-FreePort
    $ca = Join-Path $dir 'ca.pem'
    & $openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=DeployOps Pester Redis CA' `
        -keyout (Join-Path $dir 'ca.key') -out $ca 2>&1 | Out-Null
    & $openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=127.0.0.1' `
        -keyout (Join-Path $dir 'server.key') -out (Join-Path $dir 'server.csr') 2>&1 | Out-Null
    Set-Content -Path (Join-Path $dir 'san.ext') -Value 'subjectAltName=IP:127.0.0.1,DNS:localhost'
    & $openssl x509 -req -in (Join-Path $dir 'server.csr') -CA $ca -CAkey (Join-Path $dir 'ca.key') -CAcreateserial -days 2 `
        -extfile (Join-Path $dir 'san.ext') -out (Join-Path $dir 'server.pem') 2>&1 | Out-Null
    if (-not (Test-Path (Join-Path $dir 'server.pem'))) { throw "openssl could not make the Redis test certificates in $dir" }
    # A config file: ACL rules hold '>' and '~', which must reach redis-server verbatim.
    @(
        'bind 127.0.0.1', 'save ""', 'appendonly no', "dir $dir", 'port 0', "tls-port $port",
        "tls-cert-file $dir/server.pem", "tls-key-file $dir/server.key", "tls-ca-cert-file $ca", 'tls-auth-clients no',
        "user $User on >$Password ~* &* +@all", 'user default off'
    ) | Set-Content -Path (Join-Path $dir 'redis.conf')
    $process = Start-TestProcess -FilePath $server -ArgumentList (Join-Path $dir 'redis.conf') -Directory $dir -Name 'redis-tls'
    Wait-Port -Port $port -TimeoutSeconds 30 -Process $process -LogPath (Join-Path $dir 'redis-tls.out')
    [pscustomobject]@{ Port = $port; CaFile = $ca; User = $User; Password = $Password; Process = $process; Directory = $dir }
}

# ---------------------------------------------------------------------------------------------------- Docker

function Start-TestDockerd {
    <#
      A private containerd + dockerd (as tests/DeployOps.Engine.Tests/Fixtures/DockerDaemonFixture.cs starts them):
      no iptables, no bridge, vfs storage, its own sockets and data root under a temp folder. Needs root.
      Returns Host (unix://…), Socket, Directory.
    #>
    $dockerd = Get-RequiredProgram -Candidates /usr/sbin/dockerd, dockerd -Install 'apt-get install -y docker.io'
    $containerd = Get-RequiredProgram -Candidates /usr/bin/containerd, containerd -Install 'apt-get install -y containerd'
    $docker = Get-RequiredProgram -Candidates /usr/bin/docker, docker -Install 'apt-get install -y docker.io'
    if ((& id -u) -ne '0') { throw 'a private dockerd needs root; run the Docker suites as root' }
    # Short path: unix socket paths are limited to 108 bytes.
    $dir = Join-Path '/tmp' ('deployops-pester-dk-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $dir | Out-Null
    $script:DeployOpsTestResources.Directories.Add($dir)
    # Containers and their shims outlive a killed dockerd: remove every container while the daemon still runs.
    Register-TestCleanup -ArgumentList $dir, $docker -Cleanup {
        param($dir, $docker)
        if (Test-Path "$dir/d.sock") {
            $ids = & $docker -H "unix://$dir/d.sock" ps -aq 2>$null
            if ($ids) { & $docker -H "unix://$dir/d.sock" rm -f @ids 2>$null | Out-Null }
        }
    }
    Set-Content (Join-Path $dir 'containerd.toml') @"
version = 2
root = "$dir/containerd"
state = "$dir/cstate"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/c.sock"
[ttrpc]
  address = "$dir/c.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
"@
    $environment = @{ HTTP_PROXY = ''; HTTPS_PROXY = ''; NO_PROXY = '*' }
    $c = Start-TestProcess -FilePath $containerd -ArgumentList '--config', "$dir/containerd.toml", '--log-level', 'warn' -Directory $dir -Name 'containerd' -Environment $environment
    Wait-Until -TimeoutSeconds 30 -Because "containerd socket $dir/c.sock" -Condition { (Test-Path "$dir/c.sock") -or $c.HasExited }
    if ($c.HasExited) { throw "containerd exited: $(Get-Content "$dir/containerd.err" -Tail 20 -ErrorAction SilentlyContinue)" }
    Set-Content (Join-Path $dir 'daemon.json') '{}'
    $d = Start-TestProcess -FilePath $dockerd -Directory $dir -Name 'dockerd' -Environment $environment -ArgumentList @(
        '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none', '--storage-driver=vfs',
        '--host', "unix://$dir/d.sock", '--data-root', "$dir/data", '--exec-root', "$dir/exec", '--pidfile', "$dir/dockerd.pid",
        '--config-file', "$dir/daemon.json", '--containerd', "$dir/c.sock")
    Wait-Until -TimeoutSeconds 90 -Because "dockerd at unix://$dir/d.sock" -Condition {
        if ($d.HasExited) { return $true }
        if (-not (Test-Path "$dir/d.sock")) { return $false }
        & $docker -H "unix://$dir/d.sock" version --format '{{.Server.Version}}' *> $null
        $LASTEXITCODE -eq 0
    }
    if ($d.HasExited) { throw "dockerd exited: $(Get-Content "$dir/dockerd.err" -Tail 30 -ErrorAction SilentlyContinue)" }
    [pscustomobject]@{ Host = "unix://$dir/d.sock"; Socket = "$dir/d.sock"; Directory = $dir; Process = $d }
}

# ---------------------------------------------------------------------------------------------------- notification receivers

function Start-NotificationReceiver {
    <#
      The HTTP webhook + SMTP receivers the notification tests send to (fixtures/NotificationReceiver.ps1, a child
      pwsh stopped by PID in Remove-TestResources). Read-NotificationReceiver returns what they got so far.
    #>
    param([Parameter(Mandatory)] [string] $Directory)
    $record = Join-Path $Directory 'received.jsonl'
    $ports = Join-Path $Directory 'receiver.ports'
    $process = Start-TestProcess -FilePath (Get-PwshPath) -Directory $Directory -Name 'notification-receiver' -ArgumentList @(
        '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'fixtures/NotificationReceiver.ps1'),
        '-RecordFile', $record, '-PortFile', $ports)
    Wait-Until -TimeoutSeconds 120 -Because 'the notification receiver to listen' -Condition { (Test-Path $ports) -or $process.HasExited }
    if (-not (Test-Path $ports)) { throw "the notification receiver exited: $(Get-Content (Join-Path $Directory 'notification-receiver.err') -Raw)" }
    $http, $smtp = (Get-Content $ports -Raw).Trim() -split ' '
    [pscustomobject]@{ Process = $process; HttpPort = [int]$http; SmtpPort = [int]$smtp; RecordFile = $record; Url = "http://127.0.0.1:$http" }
}

function Read-NotificationReceiver($Receiver) {
    if (-not (Test-Path $Receiver.RecordFile)) { return @() }
    @(Get-Content $Receiver.RecordFile | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
}

# ---------------------------------------------------------------------------------------------------- load through a router

function Start-CountingLoad {
    <#
      GETs to $Url from a thread job until Stop-CountingLoad, one after another on fresh requests, counted by status
      code ('no answer' for a transport error or a timeout). Returns once 20 requests answered 200.
    #>
    param([Parameter(Mandatory)] [string] $Url, [int] $TimeoutSeconds = 5)
    $state = [hashtable]::Synchronized(@{ Stop = $false; Counts = [hashtable]::Synchronized(@{}) })
    $job = Start-ThreadJob -ArgumentList $Url, $state, $TimeoutSeconds -ScriptBlock {
        param($url, $state, $timeout)
        while (-not $state.Stop) {
            $key = try { [string](Invoke-WebRequest $url -TimeoutSec $timeout -SkipHttpErrorCheck).StatusCode } catch { 'no answer' }
            $state.Counts[$key] = 1 + [int]$state.Counts[$key]
            Start-Sleep -Milliseconds 10
        }
    }
    Wait-Until -TimeoutSeconds 60 -Because 'the load to flow' -Condition { [int]$state.Counts['200'] -ge 20 }
    [pscustomobject]@{ Job = $job; State = $state; TimeoutSeconds = $TimeoutSeconds }
}

function Stop-CountingLoad($Load) {
    $Load.State.Stop = $true
    Wait-Job $Load.Job -Timeout ($Load.TimeoutSeconds + 10) | Out-Null
    Remove-Job $Load.Job -Force
    $Load.State.Counts
}

function Format-LoadCounts($Counts) {
    $total = ($Counts.Values | Measure-Object -Sum).Sum
    "{0} requests: {1}" -f $total, (($Counts.GetEnumerator() | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ', ')
}
