#Requires -Version 7.4
# The runbooks in examples/ as an admin copies them: each parses, and each that supports -WhatIf runs with -WhatIf
# against a temp copy of the example configuration (examples/deployops.yaml and the files it refers to), exits 0 and
# changes no file there. Each runbook runs in its own `pwsh -NoProfile` process (they call `exit` and
# `Import-Module DeployOps` by name; PSModulePath points at the staged module). The health-gate example
# (verify-deployment-health.Tests.ps1) must fail when its watch saw nothing. Needs nothing installed beyond pwsh.
BeforeDiscovery {
    $examples = Join-Path $PSScriptRoot '../../examples'
    $script:runbooks = foreach ($file in Get-ChildItem $examples -Filter *.ps1 | Where-Object Name -notlike '*.Tests.ps1') {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref] $null, [ref] $null)
        $binding = $ast.ParamBlock.Attributes | Where-Object { $_.TypeName.Name -eq 'CmdletBinding' }
        $supportsWhatIf = [bool]($binding.NamedArguments | Where-Object {
            $_.ArgumentName -eq 'SupportsShouldProcess' -and ($_.ExpressionOmitted -or $_.Argument.SafeGetValue()) })
        $mandatory = @($ast.ParamBlock.Parameters | Where-Object {
            $_.Attributes | Where-Object { $_.TypeName.Name -eq 'Parameter' -and ($_.NamedArguments | Where-Object ArgumentName -eq 'Mandatory') } } |
            ForEach-Object { $_.Name.VariablePath.UserPath })
        @{ Name = $file.Name; Path = $file.FullName; SupportsWhatIf = $supportsWhatIf; Mandatory = $mandatory
           HasPath = [bool]($ast.ParamBlock.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq 'Path' }) }
    }
    $script:allScripts = Get-ChildItem $examples -Filter *.ps1 | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:examples = (Resolve-Path (Join-Path $PSScriptRoot '../../examples')).Path
    $script:pwsh = Get-PwshPath
    $script:modules = Split-Path (Split-Path $env:DEPLOYOPS_MODULE_PATH)

    # Every file under $Dir with its hash: what "changed no file" is compared on.
    function script:Get-Snapshot([string] $Dir) {
        Get-ChildItem $Dir -Recurse -Force | Sort-Object FullName | ForEach-Object {
            $hash = if ($_.PSIsContainer) { 'dir' } else { (Get-FileHash $_.FullName -Algorithm SHA256).Hash }
            '{0} {1}' -f $_.FullName.Substring($Dir.Length), $hash
        }
    }

    # Starts `pwsh -NoProfile -File $Script @Arguments` in $Dir with the staged module on PSModulePath. Not waited for.
    function script:Start-Runbook([string] $Script, [string[]] $Arguments, [string] $Dir, [string] $Logs) {
        $saved = $env:PSModulePath, $env:SHOP_DB_PASSWORD
        try {
            $env:PSModulePath = $script:modules + [IO.Path]::PathSeparator + $env:PSModulePath
            $env:SHOP_DB_PASSWORD = 'example-only-password'   # examples/deployops.yaml reads ${env:SHOP_DB_PASSWORD}
            $p = Start-Process -FilePath $script:pwsh -ArgumentList (@('-NoProfile', '-NonInteractive', '-File', "`"$Script`"") + $Arguments) `
                -WorkingDirectory $Dir -PassThru -RedirectStandardOutput (Join-Path $Logs 'out') -RedirectStandardError (Join-Path $Logs 'err')
        }
        finally { $env:PSModulePath, $env:SHOP_DB_PASSWORD = $saved }
        Register-TestProcess -Process $p -Name (Split-Path $Script -Leaf)
        $p
    }

    # The health-gate example run by Pester in a child process against an application that is not there, for so short
    # a window that no sample is taken: started here with the runbooks, judged in its It.
    $dir = New-TestDirectory 'examples-gate'
    $config = Join-Path $dir 'deployops.yaml'
    $port = Get-FreePort
    "application: gate`nenvironment: pester`nendpoints:`n  app: http://127.0.0.1:$port`nhealth:`n  probes: [app]`n" | Set-Content $config
    $runner = Join-Path $dir 'gate.ps1'
    @"
`$env:DEPLOYOPS_MODULE_PATH = '$($env:DEPLOYOPS_MODULE_PATH)'
`$c = New-PesterContainer -Path '$(Join-Path $script:examples 'verify-deployment-health.Tests.ps1')' -Data @{ ConfigPath = '$config'; Minutes = 0.0005 }
`$r = Invoke-Pester -Container `$c -PassThru -Output None
"passed=`$(`$r.PassedCount) failed=`$(`$r.FailedCount) result=`$(`$r.Result)"
"@ | Set-Content $runner
    $p = Start-Process -FilePath $script:pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $runner -PassThru -WorkingDirectory $dir `
        -RedirectStandardOutput (Join-Path $dir 'out') -RedirectStandardError (Join-Path $dir 'err')
    Register-TestProcess -Process $p -Name 'gate'
    $script:gate = [pscustomobject]@{ Dir = $dir; Process = $p }

    # All runbooks start at once (each is a pwsh start-up), then each It waits for its own, bounded.
    $script:runs = @{}
    foreach ($rb in $runbooks | Where-Object SupportsWhatIf) {
        $dir = New-TestDirectory 'examples'
        $work = Join-Path $dir 'config'
        New-Item -ItemType Directory -Path $work | Out-Null
        Copy-Item (Join-Path $script:examples 'deployops.yaml') $work
        Copy-Item (Join-Path $script:examples 'shop') $work -Recurse
        Copy-Item (Join-Path $script:examples 'deployment') $work -Recurse
        # The deploy runbooks' own examples use deployment/deployops.yaml (slots and three instances); the others the
        # full reference configuration.
        $config = if ($rb.Name -like 'deploy-*') { Join-Path $work 'deployment/deployops.yaml' } else { Join-Path $work 'deployops.yaml' }
        $arguments = @('-Path', $config, '-WhatIf')
        if ($rb.Mandatory -contains 'Version') { $arguments += '-Version', '9.9.9' }
        $before = Get-Snapshot $work
        $script:runs[$rb.Name] = [pscustomobject]@{
            Process = (Start-Runbook -Script $rb.Path -Arguments $arguments -Dir $work -Logs $dir)
            Work = $work; Logs = $dir; Before = $before; Config = $config
        }
    }
}

AfterAll {
    Remove-TestResources
}

Describe 'examples/*.ps1 parse' {
    It '<Name> parses without errors' -ForEach $allScripts {
        $errors = $null
        [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $null, [ref] $errors) | Out-Null
        $errors | Should -BeNullOrEmpty
    }
}

Describe 'runbooks under -WhatIf against a copy of examples/deployops.yaml' {
    It 'at least the deploy runbooks support -WhatIf' {
        ($runbooks | Where-Object SupportsWhatIf).Name | Should -Contain 'deploy-blue-green.ps1'
        ($runbooks | Where-Object SupportsWhatIf | Where-Object { -not $_.HasPath }).Name | Should -BeNullOrEmpty -Because 'every runbook takes -Path'
    }

    It '<Name> exits 0 and changes no file' -ForEach ($runbooks | Where-Object SupportsWhatIf) {
        $run = $script:runs[$Name]
        if (-not $run.Process.WaitForExit(240000)) { Stop-TestProcess -Process $run.Process; throw "$Name did not finish within 240s" }
        $run.Process.WaitForExit()
        $out = Get-Content (Join-Path $run.Logs 'out') -Raw
        $err = Get-Content (Join-Path $run.Logs 'err') -Raw
        $run.Process.ExitCode | Should -Be 0 -Because "stdout:`n$out`nstderr:`n$err"
        $err | Should -BeNullOrEmpty
        # A dry run on a production host changes no file: not even the audit log or the state directory.
        @(Get-Snapshot $run.Work) | Should -Be $run.Before
        if ($Name -eq 'maintenance-runbook.ps1') { $out | Should -Not -Match 'doing the maintenance work' -Because 'the work must not run under -WhatIf' }
    }
}

Describe 'examples/verify-deployment-health.Tests.ps1 as a gate' {
    It 'fails when the watch saw nothing' {
        $dir = $script:gate.Dir; $p = $script:gate.Process
        if (-not $p.WaitForExit(240000)) { Stop-TestProcess -Process $p; throw 'the gate did not finish within 240s' }
        $summary = Get-Content (Join-Path $dir 'out') | Select-Object -Last 1
        $summary | Should -Match 'passed=0 failed=5 result=Failed' -Because (Get-Content (Join-Path $dir 'err') -Raw)
    }
}
