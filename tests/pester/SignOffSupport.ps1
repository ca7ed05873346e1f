#Requires -Version 7.4
<#
    Shared by SignOff.Tests.ps1 and SignOffPostgres.Tests.ps1; dot-source it in BeforeAll after TestSupport.ps1.
    Starts a notification receiver and a static /health server, and defines the helpers that write a configuration
    with deployment.approval, start examples/signoff-deploy.ps1 in its own pwsh, run a second operator's command in
    another pwsh (DEPLOYOPS_OPERATOR), read what the receiver got and wait, bounded, for the request and the runbook.
#>
$script:pwsh = Get-PwshPath
$script:runbook = Join-Path (Get-RepositoryRoot) 'examples/signoff-deploy.ps1'
$script:modules = Split-Path (Split-Path $env:DEPLOYOPS_MODULE_PATH)
$script:dir = New-TestDirectory 'signoff'
$script:receiver = Start-NotificationReceiver -Directory $script:dir
$www = Join-Path $script:dir 'www'
New-Item -ItemType Directory $www | Out-Null
Set-Content (Join-Path $www 'health') 'ok'
$script:app = Start-StaticHttpServer -Root $www

# One configuration per test (its own environment, state and webhook path); -Store is a state: section.
function script:New-SignOffConfig([string] $Name, [string] $Timeout = '3m', [string] $Store = "state:`n  directory: ./state", [string] $Folder = $Name) {
    $folder = Join-Path $script:dir $Folder
    New-Item -ItemType Directory $folder -Force | Out-Null
    $config = Join-Path $folder 'deployops.yaml'
    @"
application: shop
environment: $Name
$Store
deployment:
  strategy: hotfix
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:app.Port) }
  readiness: { timeout: 30s, interval: 200ms }
  steps:
    start: [ { name: start, command: "echo started {version}" } ]
  approval:
    required: true
    approvers: [alice, bob]
    timeout: $Timeout
notifications:
  timeout: 5s
  retries: 1
  retryDelay: 200ms
  targets:
    - { name: hook, type: webhook, url: "$($script:receiver.Url)/hook/$Name" }
"@ | Set-Content $config
    $config
}

# The runbook as a scheduled job starts it: its own pwsh, DeployOps found by name on PSModulePath. Not waited for.
function script:Start-SignOffRunbook([string] $Config, [string] $Version, [string] $Name) {
    Start-TestProcess -FilePath $script:pwsh -Directory (Split-Path $Config) -Name "runbook-$Name" -ArgumentList @(
        '-NoProfile', '-NonInteractive', '-File', "`"$script:runbook`"", '-Path', "`"$Config`"", '-Version', $Version,
        '-ChangeTicket', 'CHG-1042', '-Reason', 'release') `
        -Environment @{ PSModulePath = $script:modules + [IO.Path]::PathSeparator + $env:PSModulePath; DEPLOYOPS_OPERATOR = 'deployer' }
}

# A second operator in a second pwsh: runs $Command with the staged module, returns its exit code and output.
function script:Invoke-Approver([string] $Operator, [string] $Command, [string] $Name) {
    $script = Join-Path $script:dir "$Name.ps1"
    "`$ErrorActionPreference = 'Stop'`nImport-Module '$($env:DEPLOYOPS_MODULE_PATH)'`n$Command" | Set-Content $script
    $p = Start-TestProcess -FilePath $script:pwsh -Directory $script:dir -Name $Name -Environment @{ DEPLOYOPS_OPERATOR = $Operator } `
        -ArgumentList '-NoProfile', '-NonInteractive', '-File', "`"$script`""
    if (-not $p.WaitForExit(180000)) { Stop-TestProcess -Process $p; throw "$Name did not finish within 180s" }
    $p.WaitForExit()
    [pscustomobject]@{
        ExitCode = $p.ExitCode
        Out = (Get-Content (Join-Path $script:dir "$Name.out") -Raw)
        Err = (Get-Content (Join-Path $script:dir "$Name.err") -Raw)
    }
}

function script:Get-Events([string] $Name) {
    @(Read-NotificationReceiver $script:receiver | Where-Object { $_.kind -eq 'http' -and $_.item.Path -eq "/hook/$Name" } |
        ForEach-Object { $_.item.Body | ConvertFrom-Json })
}

# The deployment id once the runbook's deployment asked for sign-off.
function script:Wait-SignOffRequest([string] $Name, [System.Diagnostics.Process] $Runbook) {
    Wait-Until -TimeoutSeconds 180 -Because "the sign-off request of $Name" -Condition {
        $Runbook.HasExited -or (Get-Events $Name | Where-Object event -eq 'approvalRequested')
    }
    if ($Runbook.HasExited) { throw "the runbook $Name exited $($Runbook.ExitCode) before asking for sign-off (see runbook-$Name.err)" }
    (Get-Events $Name | Where-Object event -eq 'approvalRequested' | Select-Object -First 1).fields.deploymentId
}

function script:Wait-Runbook([System.Diagnostics.Process] $Runbook, [string] $Config, [string] $Name) {
    if (-not $Runbook.WaitForExit(240000)) { Stop-TestProcess -Process $Runbook; throw "the runbook $Name did not finish within 240s" }
    $Runbook.WaitForExit()
    $folder = Split-Path $Config
    [pscustomobject]@{
        ExitCode = $Runbook.ExitCode
        Log = "stdout:`n$(Get-Content (Join-Path $folder "runbook-$Name.out") -Raw)`nstderr:`n$(Get-Content (Join-Path $folder "runbook-$Name.err") -Raw)"
    }
}
