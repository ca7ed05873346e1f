#Requires -Version 7.4
# How every cmdlet behaves for an admin, through the staged module in this real pwsh: duration parameters, -Quiet,
# -WhatIf leaving no trace, ordinary errors that -ErrorAction silences, and engine work that ends with its command.
# Each It builds its own folder under /tmp/deployops-* and removes it; the HTTP service the watch tests need is a
# python3 http.server started here and stopped by PID in AfterAll.

BeforeAll {
    Import-Module $env:DEPLOYOPS_MODULE_PATH -Force

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    function New-TempFolder {
        $dir = Join-Path '/tmp' ('deployops-cmdlet-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
        New-Item -ItemType Directory -Path $dir | Out-Null
        $dir
    }

    # One configuration that names every subsystem, so each state-changing cmdlet gets as far as its ShouldProcess.
    function New-FullConfig([string] $Dir) {
        $closedPort = Get-FreePort
        New-Item -ItemType Directory (Join-Path $Dir 'conf.d') | Out-Null
        @"
# deployops-backends: [{"name":"blue","host":"127.0.0.1","port":18081,"weight":100},{"name":"green","host":"127.0.0.1","port":18082,"weight":0}]
upstream app {
    server 127.0.0.1:18081 weight=100;
    server 127.0.0.1:18082 down;
}
"@ | Set-Content (Join-Path $Dir 'conf.d/app-upstream.conf')
        @"
application: shop
environment: pester
postgres:
  url: postgres://shop@127.0.0.1:$closedPort/shop
  connectTimeout: 1s
endpoints:
  app: $($script:httpUrl)
maintenance:
  flagFile:
    path: MAINTENANCE_MODE
health:
  timeout: 1s
  probes: [app]
deployment:
  slots:
    blue: { host: 127.0.0.1, port: 18081 }
    green: { host: 127.0.0.1, port: 18082 }
  traffic:
    upstreamFile: $Dir/conf.d/app-upstream.conf
    upstreamName: app
    nginx: /usr/sbin/nginx
    probeUrl: http://127.0.0.1:$closedPort/version
  steps:
    start: [ { name: start, command: "true" } ]
"@ | Set-Content (Join-Path $Dir 'deployops.yaml')
        Join-Path $Dir 'deployops.yaml'
    }

    # Every file and folder under $Dir with its size and write time: equal snapshots mean nothing changed.
    function Get-Tree([string] $Dir) {
        Get-ChildItem -LiteralPath $Dir -Recurse -Force | Sort-Object FullName |
            ForEach-Object { '{0}|{1}|{2:o}' -f $_.FullName, ($_.PSIsContainer ? 'dir' : $_.Length), $_.LastWriteTimeUtc }
    }

    # A plain HTTP server answering 200 on / : the health probe's target.
    $script:httpPort = Get-FreePort
    $script:httpUrl = "http://127.0.0.1:$($script:httpPort)"
    $script:httpRoot = New-TempFolder
    $script:http = Start-Process -FilePath python3 -ArgumentList '-m', 'http.server', $script:httpPort, '--bind', '127.0.0.1', '--directory', $script:httpRoot -PassThru -RedirectStandardError (Join-Path $script:httpRoot 'err.log') -RedirectStandardOutput (Join-Path $script:httpRoot 'out.log')
    $deadline = (Get-Date).AddSeconds(15)
    while ((Get-Date) -lt $deadline) {
        try { Invoke-WebRequest $script:httpUrl -TimeoutSec 1 | Out-Null; break } catch { Start-Sleep -Milliseconds 100 }
    }
}

AfterAll {
    if ($script:http -and -not $script:http.HasExited) { Stop-Process -Id $script:http.Id -Force -ErrorAction SilentlyContinue }
    if ($script:httpRoot) { Remove-Item -Recurse -Force $script:httpRoot -ErrorAction SilentlyContinue }
}

Describe 'Duration parameters' {
    BeforeEach { $script:dir = New-TempFolder; $script:config = New-FullConfig $script:dir }
    AfterEach { Remove-Item -Recurse -Force $script:dir -ErrorAction SilentlyContinue }

    It 'binds <Text> as <Expected>' -ForEach @(
        @{ Text = '500ms'; Expected = [timespan]::FromMilliseconds(500) }
        @{ Text = '5s'; Expected = [timespan]::FromSeconds(5) }
        @{ Text = '2m'; Expected = [timespan]::FromMinutes(2) }
        @{ Text = '1h'; Expected = [timespan]::FromHours(1) }
        @{ Text = '1d'; Expected = [timespan]::FromDays(1) }
        @{ Text = '00:02:30'; Expected = [timespan]'00:02:30' }
    ) {
        foreach ($command in 'Enter-MaintenanceMode', 'Watch-DeploymentHealth') {
            $attribute = (Get-Command $command).Parameters.Values.Attributes |
                Where-Object { $_ -is [System.Management.Automation.ArgumentTransformationAttribute] } | Select-Object -First 1
            $attribute.Transform($ExecutionContext, $Text) | Should -Be $Expected
        }
        $state = Enter-MaintenanceMode -Path $script:config -ExpectedDuration $Text -PassThru
        ($state.ExpectedEnd - $state.Since) | Should -BeGreaterThan ($Expected - [timespan]::FromSeconds(2))
        ($state.ExpectedEnd - $state.Since) | Should -BeLessThan ($Expected + [timespan]::FromSeconds(2))
    }

    It 'passes a real [TimeSpan] through' {
        $state = Enter-MaintenanceMode -Path $script:config -ExpectedDuration ([timespan]::FromMinutes(7)) -PassThru
        [int]($state.ExpectedEnd - $state.Since).TotalMinutes | Should -Be 7
    }

    It 'refuses a bare number on <Command> -<Parameter>, naming the accepted forms' -ForEach @(
        @{ Command = 'Enter-MaintenanceMode'; Parameter = 'DrainTimeout' }
        @{ Command = 'Enter-MaintenanceMode'; Parameter = 'ExpectedDuration' }
        @{ Command = 'Watch-DeploymentHealth'; Parameter = 'Duration' }
        @{ Command = 'Watch-DeploymentHealth'; Parameter = 'Interval' }
    ) {
        $arguments = @{ Path = $script:config; $Parameter = 120; WhatIf = $true }
        { & $Command @arguments } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*' -ExpectedMessage '*500ms, 5s, 2m, 1h, 1d or hh:mm:ss*'
        Get-ChildItem -Force $script:dir | Where-Object Name -eq '.deployops' | Should -BeNullOrEmpty
    }
}

Describe '-Quiet returns one bool' {
    BeforeEach {
        $script:dir = New-TempFolder
        $script:broken = Join-Path $script:dir 'deployops.yaml'
        "application: shop`nenvironment: pester`nchecks: [`n" | Set-Content $script:broken
    }
    AfterEach { Remove-Item -Recurse -Force $script:dir -ErrorAction SilentlyContinue }

    It '<Command> -Quiet outputs exactly $false on a broken configuration, with the reason as a warning' -ForEach @(
        @{ Command = 'Test-PreDeployment' }, @{ Command = 'Test-DeploymentBackup' }, @{ Command = 'Test-DeploymentConfig' }
    ) {
        $out = @(& $Command -Path $script:broken -Quiet -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable errors)
        $out.Count | Should -Be 1
        $out[0] | Should -BeOfType [bool]
        $out[0] | Should -BeFalse
        $errors | Should -BeNullOrEmpty
        ($warnings -join "`n") | Should -Match 'ConfigInvalid'
    }

    It 'Test-DeploymentBackup -Quiet outputs $false when no backup is configured' {
        $dir = New-TempFolder
        try {
            "application: shop`nenvironment: pester`n" | Set-Content (Join-Path $dir 'deployops.yaml')
            $out = @(Test-DeploymentBackup -Path (Join-Path $dir 'deployops.yaml') -Quiet -WarningVariable warnings -WarningAction SilentlyContinue)
            $out.Count | Should -Be 1
            $out[0] | Should -BeFalse
            ($warnings -join "`n") | Should -Match 'BackupNotConfigured'
        }
        finally { Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue }
    }

    It 'takes the README branch: if (-not (Test-PreDeployment -Quiet)) { exit 1 }' {
        $script = "Import-Module '$env:DEPLOYOPS_MODULE_PATH'; Set-Location '$($script:dir)'; if (-not (Test-PreDeployment -Quiet)) { exit 1 }; exit 0"
        $pwsh = (Get-Process -Id $PID).Path
        & timeout 120 $pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 1
    }
}

Describe '-WhatIf leaves no trace' {
    BeforeEach { $script:dir = New-TempFolder; $script:config = New-FullConfig $script:dir }
    AfterEach { Remove-Item -Recurse -Force $script:dir -ErrorAction SilentlyContinue }

    It '<Command> -WhatIf changes no file' -ForEach @(
        @{ Command = 'Enter-MaintenanceMode'; Arguments = @{} }
        @{ Command = 'Exit-MaintenanceMode'; Arguments = @{} }
        @{ Command = 'Invoke-Deployment'; Arguments = @{ Version = '2.0.0'; SkipPreChecks = $true; NoBackup = $true } }
        @{ Command = 'Switch-DeploymentTraffic'; Arguments = @{ To = 'green' } }
        @{ Command = 'Resume-Deployment'; Arguments = @{} }
        @{ Command = 'Approve-Deployment'; Arguments = @{} }
        @{ Command = 'Deny-Deployment'; Arguments = @{ Comment = 'not now' } }
        @{ Command = 'Unlock-Deployment'; Arguments = @{ Force = $true } }
        @{ Command = 'Backup-DeploymentDatabase'; Arguments = @{} }
        @{ Command = 'Restore-DeploymentDatabase'; Arguments = @{} }
        @{ Command = 'Test-DeploymentBackup'; Arguments = @{} }
        @{ Command = 'Invoke-Rollback'; Arguments = @{} }
        @{ Command = 'Watch-DeploymentHealth'; Arguments = @{ Duration = '1500ms'; Interval = '300ms' } }
    ) {
        $before = Get-Tree $script:dir
        & $Command -Path $script:config @Arguments -WhatIf -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 6>$null | Out-Null
        Get-Tree $script:dir | Should -Be $before
        Join-Path $script:dir '.deployops' | Should -Not -Exist
    }

    It 'Watch-DeploymentHealth -WhatIf still watches and says what it would record' {
        $out = Watch-DeploymentHealth -Path $script:config -DeploymentId 'dry' -Duration 1s -Interval 250ms -WhatIf 6>&1
        @($out | Where-Object { $_ -is [DeployOps.Engine.Health.HealthSample] }).Count | Should -BeGreaterOrEqual 2
        Join-Path $script:dir '.deployops' | Should -Not -Exist
    }

    It 'a real Enter-MaintenanceMode still audits' {
        Enter-MaintenanceMode -Path $script:config -Reason 'real'
        Get-Content (Join-Path $script:dir '.deployops/audit.jsonl') | Should -Match 'enter maintenance'
    }
}

Describe 'Ordinary errors are non-terminating' {
    BeforeEach { $script:dir = New-TempFolder; $script:config = New-FullConfig $script:dir }
    AfterEach { Remove-Item -Recurse -Force $script:dir -ErrorAction SilentlyContinue }

    It 'Get-Deployment ./nope.yaml -ErrorAction SilentlyContinue is silent and records ConfigNotFound' {
        Push-Location $script:dir
        try {
            $Error.Clear()
            $out = Get-Deployment ./nope.yaml -ErrorAction SilentlyContinue 2>&1
            $out | Should -BeNullOrEmpty
            $Error[0].FullyQualifiedErrorId | Should -BeLike 'ConfigNotFound,*'
            $Error[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $Error[0].TargetObject | Should -Be (Join-Path $script:dir 'nope.yaml')
        }
        finally { Pop-Location }
    }

    It 'Approve-Deployment with nothing pending is a non-terminating ApprovalNotPending' {
        $Error.Clear()
        $reached = $false
        Approve-Deployment -Path $script:config -ErrorAction SilentlyContinue
        $reached = $true
        $reached | Should -BeTrue
        $Error[0].FullyQualifiedErrorId | Should -BeLike 'ApprovalNotPending,*'
    }

    It 'goes on with the next pipeline input after a missing configuration' {
        $configObject = Test-DeploymentConfig -Path $script:config
        $Error.Clear()
        $states = @((Join-Path $script:dir 'nope.yaml'), $script:config | ForEach-Object { Get-MaintenanceMode -Path $_ -ErrorAction SilentlyContinue })
        $states.Count | Should -Be 1
        $states[0].Status | Should -Be 'Off'
        $Error[0].FullyQualifiedErrorId | Should -BeLike 'ConfigNotFound,*'
        $configObject | Should -Not -BeNullOrEmpty
    }

    It '-ErrorAction Stop still stops with the ErrorId' {
        { Get-Deployment (Join-Path $script:dir 'nope.yaml') -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigNotFound*'
    }
}

Describe 'Engine work ends with its command' {
    BeforeEach { $script:dir = New-TempFolder; $script:config = New-FullConfig $script:dir }
    AfterEach { Remove-Item -Recurse -Force $script:dir -ErrorAction SilentlyContinue }

    It 'Select-Object -First 1 stops the watch: nothing is written after the pipeline ends' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $first = Watch-DeploymentHealth -Path $script:config -DeploymentId 'first' -Duration 30s -Interval 200ms | Select-Object -First 1
        $clock.Stop()
        $first | Should -BeOfType [DeployOps.Engine.Health.HealthSample]
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
        $after = Get-Tree $script:dir
        Start-Sleep -Seconds 3
        Get-Tree $script:dir | Should -Be $after
        $audit = Join-Path $script:dir '.deployops/audit.jsonl'
        if (Test-Path $audit) { Get-Content $audit | Should -Not -Match 'watch deployment health' }
    }

    It 'Ctrl+C (PowerShell.Stop) stops the watch and nothing is written afterwards' {
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:DEPLOYOPS_MODULE_PATH).AddStatement()
            $null = $ps.AddCommand('Watch-DeploymentHealth').AddParameter('Path', $script:config).AddParameter('DeploymentId', 'stopped').
                AddParameter('Duration', '60s').AddParameter('Interval', '200ms')
            $async = $ps.BeginInvoke()
            $samples = Join-Path $script:dir '.deployops/deployments/stopped/health-samples.jsonl'
            $deadline = (Get-Date).AddSeconds(30)
            while (-not (Test-Path $samples) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $samples | Should -Exist
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
            $async.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(15)) | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $after = Get-Tree $script:dir
            Start-Sleep -Seconds 3
            Get-Tree $script:dir | Should -Be $after
        }
        finally { $ps.Dispose() }
    }
}
