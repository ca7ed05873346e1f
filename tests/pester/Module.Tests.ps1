#Requires -Version 7.4
# What an admin does first at the prompt: import the module (fresh, again with -Force, after Remove-Module), list its
# cmdlets, and use its types as type literals. The imports run in fresh `pwsh -NoProfile` processes, so nothing this
# Pester session has loaded hides a problem. Needs nothing installed beyond pwsh.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:manifestPath = $env:DEPLOYOPS_MODULE_PATH
    $script:manifest = Import-PowerShellDataFile $script:manifestPath
    $script:pwsh = Get-PwshPath

    # Starts $Script in a fresh pwsh with $manifest set (not waited for: the fresh processes of this suite start together
    # in BeforeAll, each pwsh start-up is slow); Receive-FreshPwsh waits, bounded, for stdout, stderr and the exit code.
    function script:Start-FreshPwsh([string] $Script) {
        $dir = New-TestDirectory 'module'
        $file = Join-Path $dir 'run.ps1'
        Set-Content -Path $file -Value ("`$ErrorActionPreference = 'Stop'`n`$manifest = '$($script:manifestPath)'`n" + $Script)
        $p = Start-Process -FilePath $script:pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $file -PassThru `
            -RedirectStandardOutput (Join-Path $dir 'out') -RedirectStandardError (Join-Path $dir 'err') -WorkingDirectory $dir
        Register-TestProcess -Process $p -Name 'pwsh (module import)'
        [pscustomobject]@{ Process = $p; Dir = $dir }
    }
    function script:Receive-FreshPwsh($Run, [int] $TimeoutSeconds = 240) {
        if (-not $Run.Process.WaitForExit($TimeoutSeconds * 1000)) { Stop-TestProcess -Process $Run.Process; throw "pwsh did not finish within ${TimeoutSeconds}s" }
        $Run.Process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $Run.Process.ExitCode
            Out      = @(Get-Content (Join-Path $Run.Dir 'out'))
            Err      = (Get-Content (Join-Path $Run.Dir 'err') -Raw)
        }
    }

    $script:typeNames = @(
        'DeployOps.Engine.Health.HealthDecision'
        'DeployOps.Engine.Health.HealthSample'
        'DeployOps.Engine.Health.Decision.HealthVerdict'
        'DeployOps.Engine.Strategies.DeploymentStrategy'
        'DeployOps.Engine.State.DeploymentRecord'
        'DeployOps.Engine.Checks.CheckResult'
        'DeployOps.Engine.Backup.DeploymentBackup'
    )
    $script:importRun = Start-FreshPwsh @'
Import-Module $manifest
"first:" + (Get-Command -Module DeployOps).Count
Import-Module $manifest -Force
"force:" + (Get-Command -Module DeployOps).Count
Remove-Module DeployOps
"removed:" + @(Get-Module DeployOps).Count
Import-Module $manifest
"again:" + (Get-Command -Module DeployOps).Count
# A cmdlet that crosses into the isolated engine works after the re-import.
$cfg = Join-Path ([IO.Path]::GetTempPath()) ('deployops-pester-module-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.yaml')
try { "application: a`nenvironment: b`n" | Set-Content $cfg; "valid:" + (Test-DeploymentConfig -Path $cfg -Quiet) }
finally { Remove-Item $cfg -ErrorAction SilentlyContinue }
'@
    $script:byNameRun = Start-FreshPwsh (@"
`$env:PSModulePath = '$(Split-Path (Split-Path $script:manifestPath))' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module DeployOps
(Get-Module DeployOps).Version.ToString()
"@ + "`n" + (($script:typeNames | ForEach-Object { "[$_].FullName" }) -join "`n") +
        "`n[DeployOps.Engine.Strategies.DeploymentStrategy]::Canary.ToString()")
}

AfterAll {
    Remove-TestResources
}

Describe 'Importing DeployOps' {
    It 'imports in a fresh process, again with -Force, and again after Remove-Module' {
        $run = Receive-FreshPwsh $script:importRun
        $expected = $script:manifest.CmdletsToExport.Count
        $run.Err | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $run.Out | Should -Be @("first:$expected", "force:$expected", 'removed:0', "again:$expected", 'valid:True')
    }

    It 'imports by name from PSModulePath, and its types resolve as type literals there' {
        $run = Receive-FreshPwsh $script:byNameRun
        $run.Err | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $run.Out | Should -Be (@($script:manifest.ModuleVersion) + $script:typeNames + 'Canary')
    }
}

Describe 'Exported commands' {
    It 'exports exactly the cmdlets DeployOps.psd1 lists in CmdletsToExport' {
        $exported = (Get-Module DeployOps).ExportedCmdlets.Keys | Sort-Object
        $exported | Should -Be ($script:manifest.CmdletsToExport | Sort-Object)
        (Get-Module DeployOps).ExportedFunctions.Count | Should -Be 0
        (Get-Module DeployOps).ExportedAliases.Count | Should -Be 0
    }

    It '<_> is a cmdlet of the module' -ForEach (Import-PowerShellDataFile $env:DEPLOYOPS_MODULE_PATH).CmdletsToExport {
        $command = Get-Command $_ -ErrorAction Stop
        $command.CommandType | Should -Be 'Cmdlet'
        $command.ModuleName | Should -Be 'DeployOps'
    }

    It 'every [OutputType] of <_> names a type that resolves as a type literal' -ForEach (Import-PowerShellDataFile $env:DEPLOYOPS_MODULE_PATH).CmdletsToExport {
        $types = @((Get-Command $_).OutputType)
        $types.Count | Should -BeGreaterThan 0 -Because "$_ declares what it writes"
        foreach ($t in $types) {
            $resolved = Invoke-Expression "[$($t.Name)]"
            $resolved | Should -Not -BeNullOrEmpty -Because "[$($t.Name)] must resolve after Import-Module"
            $resolved.FullName | Should -Be $t.Type.FullName
        }
    }
}

Describe 'Types at the prompt' {
    It 'enum literals work: [DeployOps.Engine.Strategies.DeploymentStrategy]::Canary' {
        [DeployOps.Engine.Strategies.DeploymentStrategy]::Canary.ToString() | Should -Be 'Canary'
        [DeployOps.Engine.Strategies.DeploymentStrategy]'BlueGreen' | Should -Be ([DeployOps.Engine.Strategies.DeploymentStrategy]::BlueGreen)
        [DeployOps.Engine.Health.Decision.HealthVerdict]::Rollback.ToString() | Should -Be 'Rollback'
    }

    It '-is [DeployOps.Engine.State.DeploymentStatus] is true for what Get-Deployment returns' {
        $dir = New-TestDirectory 'module-types'
        $config = Join-Path $dir 'deployops.yaml'
        "application: a`nenvironment: b`n" | Set-Content $config
        $status = Get-Deployment -Path $config
        $status -is [DeployOps.Engine.State.DeploymentStatus] | Should -BeTrue
    }
}
