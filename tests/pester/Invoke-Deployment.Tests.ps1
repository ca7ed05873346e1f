#Requires -Version 7.4
# Invoke-Deployment, Switch-DeploymentTraffic, Resume-/Approve-Deployment against a private nginx and two demo-app
# slots started by the configured steps. Skips with a reason when nginx or dotnet is missing.

BeforeDiscovery {
    $script:nginx = @('/usr/sbin/nginx', (Get-Command nginx -ErrorAction SilentlyContinue)?.Source) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    $script:dotnet = (Get-Command dotnet -ErrorAction SilentlyContinue)?.Source
    $script:skipReason = if (-not $script:nginx) { 'nginx is not installed (apt-get install -y nginx-light)' }
                         elseif (-not $script:dotnet) { 'dotnet is not installed' } else { $null }
}

Describe 'Invoke-Deployment' -Skip:([bool]$script:skipReason) {
    BeforeAll {
        Import-Module $env:DEPLOYOPS_MODULE_PATH -Force
        $script:nginx = @('/usr/sbin/nginx', (Get-Command nginx -ErrorAction SilentlyContinue)?.Source) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
        $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
        # Built once by Invoke-PesterSuites.ps1 / the build scripts (DEPLOYOPS_DEMOAPP_DLL); run on its own, the suite
        # builds it into a temporary folder (--artifacts-path keeps obj/ out of examples/).
        $script:demoDll = $env:DEPLOYOPS_DEMOAPP_DLL
        if (-not $script:demoDll -or -not (Test-Path $script:demoDll)) {
            $out = Join-Path ([IO.Path]::GetTempPath()) "deployops-demo-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            & dotnet build (Join-Path $script:root 'examples/DemoApp/DemoApp.csproj') -c Release -o (Join-Path $out 'bin') `
                --artifacts-path (Join-Path $out 'artifacts') --nologo -v quiet | Out-Null
            $script:demoDll = Join-Path $out 'bin/DemoApp.dll'
        }
        function Get-FreePort {
            $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $l.Start()
            $p = $l.LocalEndpoint.Port; $l.Stop(); $p
        }
        function Wait-Port([int] $Port) {
            $deadline = (Get-Date).AddSeconds(30)
            while ((Get-Date) -lt $deadline) {
                try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $Port); $c.Dispose(); return } catch { Start-Sleep -Milliseconds 100 }
            }
            throw "nothing listens on $Port"
        }

        $script:dir = Join-Path ([IO.Path]::GetTempPath()) "deployops-pester-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $prefix = Join-Path $script:dir 'nginx'
        New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d'), (Join-Path $prefix 'logs'), (Join-Path $prefix 'tmp') -Force | Out-Null
        $script:bluePort = Get-FreePort; $script:greenPort = Get-FreePort; $script:proxyPort = Get-FreePort
        $user = if ([Environment]::UserName -eq 'root') { 'user root root;' } else { '' }
        $conf = Join-Path $prefix 'nginx.conf'
        @"
$user
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $prefix/tmp/body; proxy_temp_path $prefix/tmp/proxy; fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi; scgi_temp_path $prefix/tmp/scgi;
    include $prefix/conf.d/*.conf;
    server { listen 127.0.0.1:$($script:proxyPort); location / { proxy_pass http://app; } }
}
"@ | Set-Content $conf
        @"
#!/bin/bash
dir="`$(cd "`$(dirname "`$0")" && pwd)"
case "`$1" in
  start) DEMO_VERSION="`$4" nohup dotnet "$($script:demoDll)" --urls "http://127.0.0.1:`$3" > "`$dir/`$2.out" 2>&1 < /dev/null &
         echo `$! > "`$dir/`$2.pid" ;;
  stop) if [ -f "`$dir/`$2.pid" ]; then kill "`$(cat "`$dir/`$2.pid")" 2>/dev/null; sleep 1; rm -f "`$dir/`$2.pid"; fi ;;
esac
"@ | Set-Content (Join-Path $script:dir 'app.sh')
        # The upstream file DeployOps owns, written once by hand for the first start (blue live).
        @"
# deployops-backends: [{"name":"blue","host":"127.0.0.1","port":$($script:bluePort),"weight":100},{"name":"green","host":"127.0.0.1","port":$($script:greenPort),"weight":0}]
upstream app {
    server 127.0.0.1:$($script:bluePort) weight=100;
    server 127.0.0.1:$($script:greenPort) down;
}
"@ | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
        $script:config = Join-Path $script:dir 'deployops.yaml'
        @"
application: pester
environment: test
deployment:
  slots:
    blue: { host: 127.0.0.1, port: $($script:bluePort) }
    green: { host: 127.0.0.1, port: $($script:greenPort) }
  traffic:
    upstreamFile: $prefix/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($script:nginx)
    nginxArguments: "-p $prefix/ -c $conf"
    probeUrl: http://127.0.0.1:$($script:proxyPort)/version
  readiness: { timeout: 30s, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {slot}" } ]
    start: [ { name: start, command: "bash ./app.sh start {slot} {port} {version}" } ]
    smoke: [ { name: version, http: { url: "http://{host}:{port}/version", expectJson: { version: "{version}" } } } ]
"@ | Set-Content $script:config
        & bash (Join-Path $script:dir 'app.sh') start blue $script:bluePort 1.0.0
        Wait-Port $script:bluePort
        & $script:nginx -p "$prefix/" -c $conf
        Wait-Port $script:proxyPort
        $script:prefix = $prefix; $script:conf = $conf
        function Get-LiveVersion { (Invoke-RestMethod "http://127.0.0.1:$($script:proxyPort)/version").version }
    }

    AfterAll {
        if ($script:prefix) { & $script:nginx -p "$($script:prefix)/" -c $script:conf -s stop 2>$null }
        Get-ChildItem $script:dir -Filter *.pid -ErrorAction SilentlyContinue | ForEach-Object { Stop-Process -Id ([int](Get-Content $_)) -Force -ErrorAction SilentlyContinue }
        Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'shows the plan under -WhatIf and changes nothing' {
        $plan = Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 2.0.0 -WhatIf
        $plan.Phase | Should -Be @('deploy:green', 'verify:green', 'traffic:green', 'post-verify')
        ($plan | Where-Object MovesTraffic).Phase | Should -Be 'traffic:green'
        Get-LiveVersion | Should -Be '1.0.0'
    }

    It 'deploys blue-green and returns a succeeded record' {
        $record = Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 2.0.0 -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded'
        $record.Phases.Name | Should -Contain 'traffic:green'
        Get-LiveVersion | Should -Be '2.0.0'
        (Get-Deployment -Path $script:config -Id $record.Id).Outcome | Should -Be 'Succeeded'
    }

    It 'switches traffic back on its own with Switch-DeploymentTraffic' {
        $change = Switch-DeploymentTraffic -Path $script:config -To blue -Confirm:$false
        $change.To | Should -Match 'blue .* weight=100'
        Get-LiveVersion | Should -Be '1.0.0'
    }

    It 'fails with a named error when the slot does not exist' {
        { Switch-DeploymentTraffic -Path $script:config -To purple -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'SlotNotFound*'
    }

    It 'reports that nothing is waiting for approval' {
        { Approve-Deployment -Path $script:config -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ApprovalNotPending*'
    }
}
