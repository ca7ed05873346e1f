#Requires -Version 7.4
<#
.SYNOPSIS
    Builds DeployOps and stages the importable module into module/DeployOps/.
.PARAMETER Test
    After staging, run the xunit suites and, when Pester 5 is available, the Pester suites in tests/pester
    against the staged module in a fresh pwsh process.
.PARAMETER Configuration
    Build configuration (Release by default).
.EXAMPLE
    ./build.ps1; Import-Module ./module/DeployOps/DeployOps.psd1
#>
[CmdletBinding()]
param(
    [switch] $Test,
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$stage = Join-Path $root 'module/DeployOps'
$publish = Join-Path ([IO.Path]::GetTempPath()) ("deployops-publish-" + [guid]::NewGuid().ToString('N'))

try {
    Write-Host "==> publishing src/DeployOps ($Configuration)"
    & dotnet publish (Join-Path $root 'src/DeployOps/DeployOps.csproj') -c $Configuration -o $publish --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "dotnet publish failed with exit code $LASTEXITCODE" }

    if (Test-Path $stage) { Remove-Item $stage -Recurse -Force }
    $dependencies = New-Item -ItemType Directory -Path (Join-Path $stage 'Dependencies') -Force
    $help = New-Item -ItemType Directory -Path (Join-Path $stage 'en-US') -Force
    Copy-Item (Join-Path $publish 'DeployOps.dll') $stage
    Copy-Item (Join-Path $root 'DeployOps.psd1') $stage
    Copy-Item (Join-Path $root 'module/*.format.ps1xml') $stage
    Get-ChildItem (Join-Path $root 'module') -Filter '*.types.ps1xml' | Copy-Item -Destination $stage
    Copy-Item (Join-Path $root 'module/about_DeployOps.help.txt') $help
    # Cmdlet help (MAML) from docs/cmdlets; fails when a cmdlet or parameter has no help text.
    & dotnet run --project (Join-Path $root 'tools/DeployOps.HelpGen') -c $Configuration -- (Join-Path $root 'docs/cmdlets') (Join-Path $help 'DeployOps.dll-Help.xml')
    if ($LASTEXITCODE -ne 0) { throw "cmdlet help generation failed with exit code $LASTEXITCODE" }
    # The engine and its third-party dependencies load through DeployOps' own AssemblyLoadContext.
    Get-ChildItem $publish -Filter '*.dll' |
        Where-Object Name -NotIn 'DeployOps.dll', 'System.Management.Automation.dll' |
        Copy-Item -Destination $dependencies
    Write-Host "==> staged module at $stage"
}
finally {
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
}

if ($Test) {
    Write-Host '==> running xunit suites'
    & dotnet test (Join-Path $root 'DeployOps.sln') -c $Configuration --nologo
    $xunitFailed = $LASTEXITCODE -ne 0

    $pester = Get-Module -ListAvailable Pester | Where-Object { $_.Version.Major -ge 5 } | Select-Object -First 1
    $pesterFailed = $false
    if ($pester) {
        Write-Host '==> running Pester suites against the staged module (fresh process)'
        & pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests/pester/Invoke-PesterSuites.ps1') -ModulePath (Join-Path $stage 'DeployOps.psd1')
        $pesterFailed = $LASTEXITCODE -ne 0
    }
    else {
        Write-Warning 'Pester 5 is not installed: Pester suites skipped (Install-Module Pester -MinimumVersion 5.0).'
    }
    if ($xunitFailed -or $pesterFailed) { exit 1 }
}
