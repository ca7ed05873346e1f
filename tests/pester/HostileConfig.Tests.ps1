#Requires -Version 7.4
# Issue 11 §3: no configuration can hang, crash or exhaust the host. Each hostile file goes to Test-DeploymentConfig and
# to Invoke-Deployment -WhatIf in a child pwsh (a stack overflow used to kill the process, a FIFO to hang it for ever):
# each must end on its own, promptly, with a ConfigInvalid that names file:line and the key path.
Describe 'Hostile configurations in real pwsh' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $script:root = New-TestDirectory 'hostile'
        $script:pwsh = Get-PwshPath
        # The deployment section is valid, so the hostile line is the only problem in each file.
        $script:head = @"
application: shop
environment: pester
deployment:
  slots:
    blue: { port: 5001 }
    green: { port: 5002 }
  steps:
    install:
      - command: echo installing
"@
        $script:child = Join-Path $script:root 'run-one.ps1'
        Set-Content -LiteralPath $script:child -Value @'
param([string] $Module, [string] $Config, [string] $Command)
Import-Module $Module -ErrorAction Stop
$errs = [System.Collections.Generic.List[object]]::new()
try {
    if ($Command -eq 'Test') { Test-DeploymentConfig -Path $Config -ErrorAction SilentlyContinue -ErrorVariable found | Out-Null; $found | ForEach-Object { $errs.Add($_) } }
    else { Invoke-Deployment -Path $Config -Version 1.0.0 -WhatIf -ErrorAction Stop | Out-Null }
}
catch { $errs.Add($_) }
ConvertTo-Json -Compress -AsArray -InputObject @($errs | ForEach-Object {
    [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Message = "$_"; Path = $_.TargetObject.Path; Line = $_.TargetObject.Line }
})
'@

        function Invoke-Isolated([string] $Config, [string] $Command) {
            <# One cmdlet run in its own pwsh; a crash or a hang is a result here, not the end of the suite. #>
            $psi = [System.Diagnostics.ProcessStartInfo]::new($script:pwsh)
            foreach ($a in '-NoProfile', '-NonInteractive', '-File', $script:child, $env:DEPLOYOPS_MODULE_PATH, $Config, $Command) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $process = [System.Diagnostics.Process]::Start($psi)
            Register-TestProcess -Process $process -Name "hostile $Command"
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            # A hang detector, not a timing assert: the FIFO case used to block for ever.
            $exited = $process.WaitForExit(120000)
            if (-not $exited) { Stop-TestProcess -Process $process -GraceSeconds 1 }
            [pscustomobject]@{
                Exited   = $exited
                ExitCode = if ($exited) { $process.ExitCode } else { $null }
                Errors   = if ($exited -and $stdout.Result.Trim()) { @($stdout.Result | ConvertFrom-Json) } else { @() }
                Stderr   = if ($exited) { $stderr.Result } else { '' }
            }
        }

        function New-HostileConfig([string] $Name, [string] $Tail) {
            $dir = Join-Path $script:root $Name
            New-Item -ItemType Directory -Path $dir | Out-Null
            $path = Join-Path $dir 'deployops.yaml'
            [IO.File]::WriteAllText($path, $script:head + "`n" + $Tail)
            $path
        }

        $fifoConfig = New-HostileConfig 'fifo' "endpoints:`n  app: `${file:pipe}`n"
        & mkfifo (Join-Path (Split-Path $fifoConfig) 'pipe')
        if ($LASTEXITCODE -ne 0) { throw 'mkfifo failed' }
        $deepConfig = New-HostileConfig 'deep' ("endpoints:`n  app: " + ('[' * 100000) + (']' * 100000) + "`n")
        $overflowConfig = New-HostileConfig 'overflow' "state:`n  lockTtl: 99999999999999999999d`ndefaults:`n  checkTimeout: 99999999999999999999d`n"
        $devZeroConfig = New-HostileConfig 'devzero' "endpoints:`n  app: `${file:/dev/zero}`n"

        $script:cases = @(
            @{ Name = 'a FIFO secret'; Config = $fifoConfig; Expect = @(@{ Path = 'endpoints.app'; Line = 11; Text = '*is a FIFO*' }) }
            @{ Name = 'a /dev/zero secret'; Config = $devZeroConfig; Expect = @(@{ Path = 'endpoints.app'; Line = 11; Text = '*is a character device*' }) }
            @{ Name = 'a value nested 100,000 deep'; Config = $deepConfig; Expect = @(@{ Path = 'endpoints.app`[0`]*'; Line = 11; Text = '*nested deeper than 64 levels*' }) }
            @{ Name = 'durations above TimeSpan.MaxValue'; Config = $overflowConfig; Expect = @(
                    @{ Path = 'state.lockTtl'; Line = 11; Text = '*longer than the longest duration*' }
                    @{ Path = 'defaults.checkTimeout'; Line = 13; Text = '*longer than the longest duration*' }) }
        )
    }

    AfterAll { Remove-TestResources }

    It 'Test-DeploymentConfig on <Name> returns on its own with a located ConfigInvalid per problem' -ForEach @(
        @{ Index = 0; Name = 'a FIFO secret' }
        @{ Index = 1; Name = 'a /dev/zero secret' }
        @{ Index = 2; Name = 'a value nested 100,000 deep' }
        @{ Index = 3; Name = 'durations above TimeSpan.MaxValue' }
    ) {
        $case = $script:cases[$Index]
        $run = Invoke-Isolated -Config $case.Config -Command 'Test'
        $run.Exited | Should -BeTrue -Because 'the command must not hang'
        $run.ExitCode | Should -Be 0 -Because "pwsh must not crash (stderr: $($run.Stderr))"
        $run.Errors | Should -HaveCount $case.Expect.Count
        foreach ($expect in $case.Expect) {
            $match = @($run.Errors | Where-Object { $_.Path -like $expect.Path })
            $match | Should -HaveCount 1 -Because "one error at $($expect.Path) in $($run.Errors | ConvertTo-Json -Compress)"
            $match[0].Id | Should -BeLike 'ConfigInvalid*'
            $match[0].Line | Should -Be $expect.Line
            $match[0].Message | Should -BeLike $expect.Text
        }
    }

    It 'Invoke-Deployment -WhatIf on <Name> stops with ConfigInvalid naming file:line and key path' -ForEach @(
        @{ Index = 0; Name = 'a FIFO secret' }
        @{ Index = 1; Name = 'a /dev/zero secret' }
        @{ Index = 2; Name = 'a value nested 100,000 deep' }
        @{ Index = 3; Name = 'durations above TimeSpan.MaxValue' }
    ) {
        $case = $script:cases[$Index]
        $run = Invoke-Isolated -Config $case.Config -Command 'Deploy'
        $run.Exited | Should -BeTrue -Because 'the command must not hang'
        $run.ExitCode | Should -Be 0 -Because "pwsh must not crash (stderr: $($run.Stderr))"
        $run.Errors | Should -HaveCount 1
        $run.Errors[0].Id | Should -BeLike 'ConfigInvalid*'
        foreach ($expect in $case.Expect) {
            $run.Errors[0].Message | Should -BeLike "*$($case.Config):$($expect.Line):*: $($expect.Path): $($expect.Text)"
        }
        Get-ChildItem -LiteralPath (Split-Path $case.Config) -Force | Where-Object Name -notin 'deployops.yaml', 'pipe' | Should -BeNullOrEmpty
    }
}
