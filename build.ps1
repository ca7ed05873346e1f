#Requires -Version 7.4
<#
.SYNOPSIS
    Builds DeployOps and stages the importable module into module/DeployOps/ (the same as ./build.sh).
.DESCRIPTION
    Build output goes to artifacts/ (DEPLOYOPS_ARTIFACTS, see Directory.Build.props): no bin/ or obj/ in the sources.
    The staged DeployOps.psd1 gets its ModuleVersion from <Version> in Directory.Build.props, the one version source.
.PARAMETER Test
    After staging, run the xunit suites and every Pester suite (tests/pester, examples/*.Tests.ps1) against the staged
    module, each suite in a fresh pwsh with a timeout, and end with one "N passed, N failed, N skipped" line. Needs
    Pester 5; fails with the lines that install it where it is missing. Timeouts (seconds): DEPLOYOPS_XUNIT_TIMEOUT
    (all of dotnet test, 900), DEPLOYOPS_XUNIT_HANG_TIMEOUT (one test, 300), DEPLOYOPS_PESTER_TIMEOUT (one Pester
    suite, 300), DEPLOYOPS_PESTER_BUDGET (all Pester suites, 1500);
    DEPLOYOPS_PESTER_PARALLEL: Pester suites run at once (4).
.PARAMETER Install
    After staging, install the staged module for the current user (first user-scope folder of PSModulePath, e.g.
    ~/.local/share/powershell/Modules/DeployOps/<version>/), replacing that version's folder.
.PARAMETER Configuration
    Build configuration (Release by default).
.EXAMPLE
    ./build.ps1; Import-Module ./module/DeployOps/DeployOps.psd1
.EXAMPLE
    ./build.ps1 -Install; Import-Module DeployOps
#>
[CmdletBinding()]
param(
    [switch] $Test,
    [switch] $Install,
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$stage = Join-Path $root 'module/DeployOps'
if (-not $env:DEPLOYOPS_ARTIFACTS) { $env:DEPLOYOPS_ARTIFACTS = Join-Path $root 'artifacts' }
$artifacts = $env:DEPLOYOPS_ARTIFACTS
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_NOLOGO = '1'; $env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

function Get-ModuleVersion {
    $version = ([xml](Get-Content (Join-Path $root 'Directory.Build.props') -Raw)).Project.PropertyGroup |
        ForEach-Object { $_.SelectSingleNode('Version') } | Where-Object { $_ } | Select-Object -First 1 -ExpandProperty InnerText
    if (-not $version) { throw 'no <Version> in Directory.Build.props' }
    ($version.Trim() -split '-')[0]  # a ModuleVersion (and the install folder) is numeric: 1.2.0-beta1 stages as 1.2.0
}

function Assert-PesterAvailable {
    try { Import-Module Pester -MinimumVersion 5.0 -MaximumVersion 5.999 -ErrorAction Stop; return }
    catch { }
    $lines = if ($IsWindows) {
        @(
            "  `$dest = Join-Path ([Environment]::GetFolderPath('MyDocuments')) 'PowerShell/Modules/Pester/5.9.1'"
            "  Invoke-WebRequest https://api.nuget.org/v3-flatcontainer/pester/5.9.1/pester.5.9.1.nupkg -OutFile `$env:TEMP/pester.5.9.1.zip"
            "  Expand-Archive `$env:TEMP/pester.5.9.1.zip `$env:TEMP/pester-nupkg -Force; New-Item -ItemType Directory `$dest -Force | Out-Null"
            "  Copy-Item `$env:TEMP/pester-nupkg/tools/* `$dest -Recurse -Force"
        )
    }
    else {
        @(
            '  dotnet tool install -g PowerShell --version 7.6.9'
            '  export PATH="$PATH:$HOME/.dotnet/tools"'
            '  curl -fsSL -o /tmp/pester.5.9.1.nupkg https://api.nuget.org/v3-flatcontainer/pester/5.9.1/pester.5.9.1.nupkg'
            "  rm -rf /tmp/pester-nupkg && unzip -q /tmp/pester.5.9.1.nupkg 'tools/*' -d /tmp/pester-nupkg"
            '  mkdir -p ~/.local/share/powershell/Modules/Pester/5.9.1 && cp -r /tmp/pester-nupkg/tools/. ~/.local/share/powershell/Modules/Pester/5.9.1/'
        )
    }
    [Console]::Error.WriteLine("The test command runs the Pester suites in PowerShell and needs PowerShell 7.4+ and Pester 5. Install them with:`n")
    $lines | ForEach-Object { [Console]::Error.WriteLine($_) }
    [Console]::Error.WriteLine("`n(.ci/run does exactly this when they are missing.)")
    [Console]::Error.WriteLine('test command failed: Pester 5 is not installed for pwsh')
    exit 1
}

function Invoke-Bounded([string] $File, [string[]] $Arguments, [int] $TimeoutSeconds) {
    # Runs a command with inherited output; past the timeout its whole process tree is killed. Returns the exit code.
    $psi = [Diagnostics.ProcessStartInfo]::new($File)
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
        Write-Host "==> TIMEOUT: $File did not finish within $TimeoutSeconds s and was stopped" -ForegroundColor Red
        try { $process.Kill($true) } catch { }
        $process.WaitForExit(30000) | Out-Null
        return 124
    }
    $process.WaitForExit()
    $process.ExitCode
}

function Get-TrxSum([string] $Directory, [string] $Attribute) {
    $sum = 0
    foreach ($trx in Get-ChildItem $Directory -Filter '*.trx' -ErrorAction SilentlyContinue) {
        $counters = ([xml](Get-Content $trx.FullName -Raw)).TestRun.ResultSummary.Counters
        $sum += [int]$counters.GetAttribute($Attribute)
    }
    $sum
}

function Invoke-Tests {
    $results = Join-Path $artifacts 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path (Join-Path $results 'xunit') -Force | Out-Null
    $xunitTimeout = if ($env:DEPLOYOPS_XUNIT_TIMEOUT) { [int]$env:DEPLOYOPS_XUNIT_TIMEOUT } else { 900 }
    $hang = if ($env:DEPLOYOPS_XUNIT_HANG_TIMEOUT) { [int]$env:DEPLOYOPS_XUNIT_HANG_TIMEOUT } else { 300 }

    Write-Host "==> running xunit suites (a test hanging ${hang}s is aborted; all of dotnet test is stopped after ${xunitTimeout}s)"
    $xunitStatus = Invoke-Bounded 'dotnet' @('test', (Join-Path $root 'DeployOps.sln'), '-c', $Configuration, '--nologo',
        '--logger', 'trx', '--logger', 'console;verbosity=minimal', '--results-directory', (Join-Path $results 'xunit'),
        '--blame-hang-timeout', "${hang}s", '--blame-hang-dump-type', 'none') $xunitTimeout
    $xunitDir = Join-Path $results 'xunit'
    $xPassed = Get-TrxSum $xunitDir 'passed'; $xFailed = Get-TrxSum $xunitDir 'failed'
    $xSkipped = Get-TrxSum $xunitDir 'notExecuted'; $xTotal = Get-TrxSum $xunitDir 'total'
    # A run that stopped before a suite wrote its report (build error, crash, timeout) is one failure, never zero.
    if ($xunitStatus -ne 0 -and $xFailed -eq 0) { $xFailed = 1 }
    # Aborted tests (hang timeout, crashed test host) are in total but neither passed nor failed: they failed.
    $xLost = $xTotal - $xPassed - $xFailed - $xSkipped
    if ($xLost -gt 0) { $xFailed += $xLost }
    Write-Host "==> xunit: $xPassed passed, $xFailed failed, $xSkipped skipped (exit $xunitStatus)"

    Write-Host '==> building examples/DemoApp once for the Pester suites'
    $demo = Join-Path $artifacts 'demoapp'
    if (Test-Path $demo) { Remove-Item $demo -Recurse -Force }
    & dotnet build (Join-Path $root 'examples/DemoApp/DemoApp.csproj') -c $Configuration -o $demo --artifacts-path $artifacts --nologo -v quiet | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "building examples/DemoApp failed ($LASTEXITCODE)" }
    $env:DEPLOYOPS_DEMOAPP_DLL = Join-Path $demo 'DemoApp.dll'

    Write-Host '==> running Pester suites against the staged module (each in a fresh pwsh)'
    $summary = Join-Path $results 'pester-summary.json'
    $pwsh = (Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1)?.Source
    $pwshArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests/pester/Invoke-PesterSuites.ps1'),
        '-ModulePath', (Join-Path $stage 'DeployOps.psd1'), '-ResultPath', $summary, '-DemoAppDll', $env:DEPLOYOPS_DEMOAPP_DLL)
    if (-not $pwsh) { $pwsh = [Environment]::ProcessPath; $pwshArgs = @("$PSHOME/pwsh.dll") + $pwshArgs }
    & $pwsh @pwshArgs | Out-Host
    $pesterStatus = $LASTEXITCODE
    $pPassed = 0; $pFailed = 0; $pSkipped = 0
    if (Test-Path $summary) {
        $s = Get-Content $summary -Raw | ConvertFrom-Json
        $pPassed = [int]$s.passed; $pFailed = [int]$s.failed; $pSkipped = [int]$s.skipped
    }
    if ($pesterStatus -ne 0 -and $pFailed -eq 0) { $pFailed = 1 }

    $passed = $xPassed + $pPassed; $failed = $xFailed + $pFailed; $skipped = $xSkipped + $pSkipped
    $status = if ($xunitStatus -ne 0 -or $pesterStatus -ne 0 -or $failed -gt 0) { 1 } else { 0 }
    if ($passed -eq 0 -and $status -eq 0) { Write-Host 'no tests ran'; $status = 1 }
    Write-Host "(xunit $xPassed/$xFailed/$xSkipped, Pester $pPassed/$pFailed/$pSkipped; reports in $results)"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    $status
}

function Get-UserModuleRoot {
    # The first user-scope entry of PSModulePath: the folder Install-Module -Scope CurrentUser uses.
    $userRoot = [Environment]::GetFolderPath('UserProfile')
    $documents = [Environment]::GetFolderPath('MyDocuments')
    $entry = $env:PSModulePath -split [IO.Path]::PathSeparator | Where-Object {
        $_ -and ($_.StartsWith($userRoot, [StringComparison]::OrdinalIgnoreCase) -or ($documents -and $_.StartsWith($documents, [StringComparison]::OrdinalIgnoreCase)))
    } | Select-Object -First 1
    if ($entry) { return $entry }
    if ($IsWindows) { return Join-Path $documents 'PowerShell/Modules' }
    $data = if ($env:XDG_DATA_HOME) { $env:XDG_DATA_HOME } else { Join-Path $userRoot '.local/share' }
    Join-Path $data 'powershell/Modules'
}

if ($Test) { Assert-PesterAvailable }

$version = Get-ModuleVersion
$publish = Join-Path ([IO.Path]::GetTempPath()) ("deployops-publish-" + [guid]::NewGuid().ToString('N'))
try {
    Write-Host "==> publishing src/DeployOps ($Configuration, version $version)"
    & dotnet publish (Join-Path $root 'src/DeployOps/DeployOps.csproj') -c $Configuration -o $publish --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "dotnet publish failed with exit code $LASTEXITCODE" }

    if (Test-Path $stage) { Remove-Item $stage -Recurse -Force }
    $dependencies = New-Item -ItemType Directory -Path (Join-Path $stage 'Dependencies') -Force
    $help = New-Item -ItemType Directory -Path (Join-Path $stage 'en-US') -Force
    # The module root holds what PowerShell itself loads: the cmdlets, the contracts shared with the engine (when the
    # project has them), the manifest, views and help. The engine and its third-party dependencies go to
    # Dependencies/ and load through DeployOps' own AssemblyLoadContext.
    $rootDlls = 'DeployOps.dll', 'DeployOps.Contracts.dll'
    $rootDlls | ForEach-Object { Join-Path $publish $_ } | Where-Object { Test-Path $_ } | Copy-Item -Destination $stage
    $manifest = (Get-Content (Join-Path $root 'DeployOps.psd1') -Raw) -replace "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$version'"
    if (([regex]::Matches($manifest, "(?m)^\s*ModuleVersion\s*=\s*'$([regex]::Escape($version))'")).Count -ne 1) {
        throw "staged DeployOps.psd1 does not carry ModuleVersion '$version' from Directory.Build.props"
    }
    [IO.File]::WriteAllText((Join-Path $stage 'DeployOps.psd1'), $manifest)
    Copy-Item (Join-Path $root 'module/*.format.ps1xml') $stage
    Get-ChildItem (Join-Path $root 'module') -Filter '*.types.ps1xml' | Copy-Item -Destination $stage
    Copy-Item (Join-Path $root 'module/about_DeployOps.help.txt') $help
    # Cmdlet help (MAML) from docs/cmdlets; fails when a cmdlet or parameter has no help text.
    & dotnet run --project (Join-Path $root 'tools/DeployOps.HelpGen') -c $Configuration -- (Join-Path $root 'docs/cmdlets') (Join-Path $help 'DeployOps.dll-Help.xml')
    if ($LASTEXITCODE -ne 0) { throw "cmdlet help generation failed with exit code $LASTEXITCODE" }
    Get-ChildItem $publish -Filter '*.dll' |
        Where-Object Name -NotIn ($rootDlls + 'System.Management.Automation.dll') |
        Copy-Item -Destination $dependencies
    Write-Host "==> staged module $version at $stage"
}
finally {
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
}

if ($Install) {
    $target = Join-Path (Get-UserModuleRoot) "DeployOps/$version"
    if (Test-Path $target) { Remove-Item $target -Recurse -Force }
    New-Item -ItemType Directory -Path $target -Force | Out-Null
    Copy-Item (Join-Path $stage '*') $target -Recurse
    Write-Host "==> installed DeployOps $version at $target"
    Write-Host '    Import-Module DeployOps'
}

if ($Test) { exit (Invoke-Tests) }
