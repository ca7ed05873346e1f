#Requires -Version 7.4
<#
.SYNOPSIS
    Runs every *.Tests.ps1 in this folder against a staged DeployOps module. Exits non-zero on any failure.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
Import-Module Pester -MinimumVersion 5.0
$env:DEPLOYOPS_MODULE_PATH = (Resolve-Path $ModulePath).Path
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.Exit = $true
$configuration.Output.Verbosity = 'Detailed'
Invoke-Pester -Configuration $configuration
