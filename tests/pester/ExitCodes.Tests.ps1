#Requires -Version 7.4
# The exit-code contracts the docs give for scheduled scripts and CI gates, run exactly as a scheduler runs them:
# a fresh `pwsh -File` and `pwsh -Command`, checking the process exit code ($LASTEXITCODE).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:pwsh = Get-PwshPath
    $script:module = $env:DEPLOYOPS_MODULE_PATH
    if (-not $script:module) { throw 'DEPLOYOPS_MODULE_PATH is not set: run ./build.sh first' }

    function Invoke-Scheduled([string] $Directory, [string] $Line, [ValidateSet('File', 'Command')] [string] $Mode) {
        $script = "Import-Module '$($script:module)'`n$Line`n"
        $arguments = if ($Mode -eq 'File') {
            $file = Join-Path $Directory ("run-" + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.ps1')
            Set-Content -Path $file -Value $script
            @('-NoProfile', '-NonInteractive', '-File', $file)
        }
        else { @('-NoProfile', '-NonInteractive', '-Command', $script) }
        $p = Start-Process -FilePath $script:pwsh -ArgumentList $arguments -WorkingDirectory $Directory -PassThru `
            -RedirectStandardOutput (Join-Path $Directory 'out.txt') -RedirectStandardError (Join-Path $Directory 'err.txt')
        if (-not $p.WaitForExit(120000)) { Stop-TestProcess -Process $p; throw "pwsh -$Mode did not finish within 120 s" }
        $p.WaitForExit()
        $p.ExitCode
    }

    function New-EmptyApplication {
        $dir = New-TestDirectory -Name 'exitcodes'
        Set-Content -Path (Join-Path $dir 'deployops.yaml') -Value "application: shop`nenvironment: test`nchecks:`n  - { name: nothing-listens, kind: tcp, host: 127.0.0.1, port: $(Get-FreePort), timeout: 2s }`n"
        $dir
    }
}

AfterAll { Remove-TestResources }

Describe 'exit (Invoke-Rollback -Confirm:$false).ExitCode' {
    It 'exits 1 in pwsh -<Mode> when there is nothing to undo' -ForEach @(@{ Mode = 'File' }, @{ Mode = 'Command' }) {
        $dir = New-EmptyApplication
        Invoke-Scheduled $dir 'exit (Invoke-Rollback -Confirm:$false).ExitCode' $Mode | Should -Be 1
        Get-Content (Join-Path $dir 'err.txt') -Raw | Should -Match 'no deployment to roll back'
    }

    It 'exits 1 in pwsh -<Mode> when the configuration does not exist' -ForEach @(@{ Mode = 'File' }, @{ Mode = 'Command' }) {
        $dir = New-TestDirectory -Name 'exitcodes'
        Invoke-Scheduled $dir 'exit (Invoke-Rollback -Path ./missing.yaml -Confirm:$false).ExitCode' $Mode | Should -Be 1
    }

    It 'exits 1 in pwsh -<Mode> for an invalid -ToVersion' -ForEach @(@{ Mode = 'File' }, @{ Mode = 'Command' }) {
        $dir = New-EmptyApplication
        Invoke-Scheduled $dir 'exit (Invoke-Rollback -ToVersion "1.0;touch pwned" -Confirm:$false).ExitCode' $Mode | Should -Be 1
        Join-Path $dir 'pwned' | Should -Not -Exist
    }

    It 'returns a Failed RollbackResult with ExitCode 1 and an error record' {
        $dir = New-EmptyApplication
        Import-DeployOpsUnderTest
        $result = Invoke-Rollback -Path $dir -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        $result | Should -BeOfType ([DeployOps.Engine.Rollback.RollbackResult])
        $result.Status | Should -Be 'Failed'
        $result.ExitCode | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RollbackNothingToUndo,*'
    }
}

Describe 'if (-not (Test-PreDeployment -Quiet)) { exit 1 }' {
    It 'exits 1 in pwsh -<Mode> when a check fails' -ForEach @(@{ Mode = 'File' }, @{ Mode = 'Command' }) {
        $dir = New-EmptyApplication
        Invoke-Scheduled $dir 'if (-not (Test-PreDeployment -Quiet)) { exit 1 }; exit 0' $Mode | Should -Be 1
    }

    It 'exits 1 in pwsh -<Mode> when the configuration is broken' -ForEach @(@{ Mode = 'File' }, @{ Mode = 'Command' }) {
        $dir = New-TestDirectory -Name 'exitcodes'
        Set-Content -Path (Join-Path $dir 'deployops.yaml') -Value "application: [unclosed`n"
        Invoke-Scheduled $dir 'if (-not (Test-PreDeployment -Quiet)) { exit 1 }; exit 0' $Mode | Should -Be 1
    }
}
