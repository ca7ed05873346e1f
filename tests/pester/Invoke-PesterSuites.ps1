#Requires -Version 7.4
<#
.SYNOPSIS
    Runs every Pester suite against a staged DeployOps module, each in its own fresh pwsh process with a timeout.
.DESCRIPTION
    Every *.Tests.ps1 in tests/pester and examples/ (or in -Path) runs in a fresh `pwsh -NoProfile -NonInteractive`
    child. A child that outlives -TimeoutSeconds (or the overall -BudgetSeconds) is killed with its whole process tree
    (its own session/process group on Linux and macOS) and its suite counts as one failure named in the summary.
    The counts come from each child's Pester result object; they are summed into one summary, printed and written as
    JSON to -ResultPath (top-level "passed", "failed", "skipped", then one entry per suite), which build.sh and
    build.ps1 read for their closing line. Each suite's NUnit XML lands next to it. Exits 1 on any failure.

    A suite may have a fixture, tests/pester/fixtures/<suite name>.Fixture.ps1, run in the child before the suite:
    it returns the hashtable handed to the suite as container data and may set $script:FixtureCleanup.
.PARAMETER Parallel
    How many suites run at once (DEPLOYOPS_PESTER_PARALLEL, default 4). Each suite's output is printed whole when
    it ends; the overall budget counts wall time.
.PARAMETER ModulePath
    The staged DeployOps.psd1 (exported to the suites as DEPLOYOPS_MODULE_PATH).
.PARAMETER Path
    Suite files or folders; by default tests/pester and examples/*.Tests.ps1.
.PARAMETER DemoAppDll
    examples/DemoApp built once (DEPLOYOPS_DEMOAPP_DLL). When neither this nor the variable is set, the runner builds
    it into a temporary folder (never into examples/).
.EXAMPLE
    pwsh -NoProfile -File tests/pester/Invoke-PesterSuites.ps1 -ModulePath module/DeployOps/DeployOps.psd1 -TimeoutSeconds 120
#>
[CmdletBinding(DefaultParameterSetName = 'All')]
param(
    [Parameter(Mandatory, ParameterSetName = 'All')]
    [Parameter(Mandatory, ParameterSetName = 'Child')]
    [string] $ModulePath,

    [Parameter(ParameterSetName = 'All')]
    [string[]] $Path,

    [Parameter(ParameterSetName = 'All')]
    [int] $TimeoutSeconds = $(if ($env:DEPLOYOPS_PESTER_TIMEOUT) { [int]$env:DEPLOYOPS_PESTER_TIMEOUT } else { 300 }),

    [Parameter(ParameterSetName = 'All')]
    [int] $BudgetSeconds = $(if ($env:DEPLOYOPS_PESTER_BUDGET) { [int]$env:DEPLOYOPS_PESTER_BUDGET } else { 1500 }),

    [Parameter(ParameterSetName = 'All')]
    [ValidateRange(1, 16)]
    [int] $Parallel = $(if ($env:DEPLOYOPS_PESTER_PARALLEL) { [int]$env:DEPLOYOPS_PESTER_PARALLEL } else { 4 }),

    [Parameter(ParameterSetName = 'All')]
    [string] $ResultPath = $(if ($env:DEPLOYOPS_PESTER_RESULT) { $env:DEPLOYOPS_PESTER_RESULT } else { Join-Path ([IO.Path]::GetTempPath()) 'deployops-pester-summary.json' }),

    [Parameter(ParameterSetName = 'All')]
    [string] $DemoAppDll = $env:DEPLOYOPS_DEMOAPP_DLL,

    # Internal: run one suite in this (child) process and write its counts to -ChildResult.
    [Parameter(Mandatory, ParameterSetName = 'Child')] [string] $ChildSuite,
    [Parameter(Mandatory, ParameterSetName = 'Child')] [string] $ChildResult
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Import-Pester5 {
    # Import by name and version range: Get-Module -ListAvailable walks every module folder and takes seconds.
    try { Import-Module Pester -MinimumVersion 5.0 -MaximumVersion 5.999 -Force -ErrorAction Stop; $true } catch { $false }
}

# ---------------------------------------------------------------------------------------------------------- child
if ($PSCmdlet.ParameterSetName -eq 'Child') {
    $counts = [ordered]@{ suite = $ChildSuite; passed = 0; failed = 0; skipped = 0; notRun = 0; result = 'Failed'; message = $null }
    $script:FixtureCleanup = $null
    try {
        if (-not (Import-Pester5)) { throw 'Pester 5 is not installed' }
        $data = @{}
        $fixture = Join-Path $PSScriptRoot ('fixtures/' + ([IO.Path]::GetFileName($ChildSuite) -replace '\.Tests\.ps1$', '') + '.Fixture.ps1')
        if (Test-Path $fixture) {
            Write-Host "fixture: $fixture"
            $fixtureData = . $fixture
            if ($fixtureData -is [hashtable]) { $data = $fixtureData }
        }
        $configuration = New-PesterConfiguration
        $configuration.Run.Container = New-PesterContainer -Path $ChildSuite -Data $data
        $configuration.Run.PassThru = $true
        $configuration.Output.Verbosity = 'Detailed'
        $configuration.TestResult.Enabled = $true
        $configuration.TestResult.OutputFormat = 'NUnitXml'
        $configuration.TestResult.OutputPath = [IO.Path]::ChangeExtension($ChildResult, '.nunit.xml')
        # The suites run the way an admin's session does: no strict mode and the default error preference (this
        # runner's own settings must not leak into them).
        $run = & {
            Set-StrictMode -Off
            $ErrorActionPreference = 'Continue'
            Invoke-Pester -Configuration $configuration
        }
        # Tests inside a block whose setup failed are already counted as failed; a container or block that failed
        # with no failed test (discovery error, AfterAll failure) counts as one failure so it cannot go unnoticed.
        $failed = $run.FailedCount
        foreach ($container in $run.Containers) {
            if ($container.Result -eq 'Failed' -and $container.FailedCount -eq 0) {
                $failed++
                $counts.message = 'the suite failed outside its tests (discovery, BeforeAll/AfterAll or a parse error)'
            }
        }
        if ($run.Result -eq 'Failed' -and $failed -eq 0) { $failed = 1; $counts.message = "Pester reported the run as failed" }
        $counts.passed = $run.PassedCount
        $counts.failed = $failed
        $counts.skipped = $run.SkippedCount
        $counts.notRun = $run.NotRunCount
        $counts.result = if ($failed -gt 0) { 'Failed' } else { 'Passed' }
        if ($run.PassedCount + $failed + $run.SkippedCount -eq 0) { $counts.message = 'no tests found' }
        if ($failed -gt 0 -and -not $counts.message) {
            $counts.message = 'failed: ' + (@($run.Failed | Select-Object -First 3 | ForEach-Object ExpandedPath) -join '; ')
        }
    }
    catch {
        $counts.failed = [Math]::Max(1, $counts.failed)
        $counts.result = 'Failed'
        $counts.message = "runner error: $_"
        Write-Host $counts.message
    }
    finally {
        if ($script:FixtureCleanup) { try { & $script:FixtureCleanup } catch { Write-Warning "fixture cleanup: $_" } }
        $counts | ConvertTo-Json | Set-Content -Path $ChildResult
    }
    exit $(if ($counts.result -eq 'Passed') { 0 } else { 1 })
}

# --------------------------------------------------------------------------------------------------------- parent
if (-not (Import-Pester5)) {
    throw 'Pester 5 is not installed. Install it (see README, "Two commands") or run .ci/run.'
}
$env:DEPLOYOPS_MODULE_PATH = (Resolve-Path $ModulePath).Path

if (-not $Path) { $Path = @($PSScriptRoot) + @(Get-ChildItem (Join-Path $repositoryRoot 'examples') -Filter '*.Tests.ps1' | ForEach-Object FullName) }
$suites = @(foreach ($item in $Path) {
        $resolved = Resolve-Path $item
        if (Test-Path $resolved -PathType Container) { Get-ChildItem $resolved -Filter '*.Tests.ps1' -File | Sort-Object Name | ForEach-Object FullName }
        else { $resolved.Path }
    })
if ($suites.Count -eq 0) { throw "no *.Tests.ps1 under $($Path -join ', ')" }

$resultDir = Split-Path ([IO.Path]::GetFullPath($ResultPath))
$suiteDir = Join-Path $resultDir 'pester'
if (Test-Path $suiteDir) { Remove-Item $suiteDir -Recurse -Force }
New-Item -ItemType Directory -Path $suiteDir -Force | Out-Null

# The demo application, built once and never into the source tree.
$demoBuild = $null
if (-not $DemoAppDll -or -not (Test-Path $DemoAppDll)) {
    $demoBuild = Join-Path ([IO.Path]::GetTempPath()) ('deployops-demoapp-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    Write-Host "==> building examples/DemoApp into $demoBuild"
    & dotnet build (Join-Path $repositoryRoot 'examples/DemoApp/DemoApp.csproj') -c Release -o (Join-Path $demoBuild 'out') `
        --artifacts-path (Join-Path $demoBuild 'artifacts') --nologo -v quiet | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "building examples/DemoApp failed ($LASTEXITCODE)" }
    $DemoAppDll = Join-Path $demoBuild 'out/DemoApp.dll'
}
$env:DEPLOYOPS_DEMOAPP_DLL = (Resolve-Path $DemoAppDll).Path

$pwshCommand = Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
# A dotnet-tool install runs pwsh inside the dotnet host; without a pwsh on PATH, start that host with pwsh.dll.
$pwshFile = if ($pwshCommand) { $pwshCommand.Source } else { [Environment]::ProcessPath }
$pwshPrefix = @(if (-not $pwshCommand) { "$PSHOME/pwsh.dll" })
$unixTree = -not $IsWindows -and (Get-Command setsid -CommandType Application -ErrorAction SilentlyContinue)

function Stop-SuiteTree([System.Diagnostics.Process] $Process) {
    # The child leads its own session: one signal to the group reaches everything it started, including
    # background processes that were re-parented to init; Kill($true) covers the descendants still in the tree.
    if ($unixTree) { & kill -KILL -- "-$($Process.Id)" 2>$null }
    try { $Process.Kill($true) } catch { }
    $Process.WaitForExit(10000) | Out-Null
}

function Read-SuiteLog([string] $Log) {
    if (-not (Test-Path $Log)) { return '' }
    $reader = [IO.StreamReader]::new([IO.FileStream]::new($Log, 'Open', 'Read', 'ReadWrite, Delete'))
    try { $reader.ReadToEnd() } finally { $reader.Dispose() }
}

function Start-Suite([string] $Suite, [int] $Timeout) {
    $name = [IO.Path]::GetRelativePath($repositoryRoot, $Suite)
    if ($name.StartsWith('..')) { $name = $Suite }
    $leaf = ($name -replace '[\\/]', '_') -replace '\.Tests\.ps1$', ''
    $childResult = Join-Path $suiteDir "$leaf.json"
    $log = Join-Path $suiteDir "$leaf.log"
    $childArgs = @($pwshPrefix) + @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath,
        '-ModulePath', $env:DEPLOYOPS_MODULE_PATH, '-ChildSuite', $Suite, '-ChildResult', $childResult)
    $psi = [Diagnostics.ProcessStartInfo]::new()
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $repositoryRoot
    $mark = [guid]::NewGuid().ToString('N')
    $psi.Environment['DEPLOYOPS_PESTER_SUITE_MARK'] = $mark
    # Output goes to a file (printed whole when the suite ends, so suites running side by side do not interleave);
    # on Linux and macOS the child leads a new session (pgid = pid), and what it leaves behind holds the log, not us.
    if ($IsWindows) {
        # No sh: the child writes to our console directly (interleaved when suites run side by side).
        $psi.FileName = $pwshFile
        foreach ($a in $childArgs) { $psi.ArgumentList.Add($a) }
    }
    else {
        $launcher = if ($unixTree) { 'log="$1"; shift; exec setsid "$@" > "$log" 2>&1' } else { 'log="$1"; shift; exec "$@" > "$log" 2>&1' }
        $psi.FileName = '/bin/sh'
        foreach ($a in @('-c', $launcher, 'sh', $log, $pwshFile) + $childArgs) { $psi.ArgumentList.Add($a) }
    }
    [pscustomobject]@{
        Name = $name; Result = $childResult; Log = $log; Timeout = $Timeout; Mark = $mark
        Clock = [Diagnostics.Stopwatch]::StartNew(); Process = [Diagnostics.Process]::Start($psi)
    }
}

function Stop-MarkedProcesses([string] $Mark) {
    # Daemons a suite started in their own session (pg_ctl's postmaster calls setsid) escape the group kill; they
    # still carry the suite's mark in their environment. Found only when a suite was killed before its cleanup ran.
    $needle = "DEPLOYOPS_PESTER_SUITE_MARK=$Mark"
    $left = foreach ($dir in [IO.Directory]::GetDirectories('/proc')) {
        $id = 0
        if (-not [int]::TryParse([IO.Path]::GetFileName($dir), [ref]$id) -or $id -eq $PID) { continue }
        try { if ([IO.File]::ReadAllText("$dir/environ").Split([char]0) -contains $needle) { $id } } catch { }
    }
    foreach ($id in $left) {
        $command = try { [IO.File]::ReadAllText("/proc/$id/cmdline").Replace([char]0, ' ').Trim() } catch { '' }
        Write-Host "==> killing pid $id the suite left running: $command" -ForegroundColor Yellow
        & kill -KILL $id 2>$null
    }
}

function Complete-Suite($Run, [bool] $TimedOut) {
    if ($TimedOut) { Stop-SuiteTree $Run.Process }
    elseif ($unixTree) { & kill -KILL -- "-$($Run.Process.Id)" 2>$null }  # leftovers of a finished suite
    $text = if ($IsWindows) { '' } else { Read-SuiteLog $Run.Log }
    Write-Host "==> $($Run.Name) (timeout $($Run.Timeout) s)" -ForegroundColor Cyan
    if ($text) { [Console]::Out.Write($text) }
    if ($IsLinux) { Stop-MarkedProcesses $Run.Mark }
    $seconds = [Math]::Round($Run.Clock.Elapsed.TotalSeconds, 1)
    if ($TimedOut) {
        $message = "TIMEOUT: $($Run.Name) did not finish within $($Run.Timeout) s; its process tree was killed"
        Write-Host "==> $message" -ForegroundColor Red
        return [pscustomobject][ordered]@{ suite = $Run.Name; passed = 0; failed = 1; skipped = 0; notRun = 0; result = 'TimedOut'; seconds = $seconds; message = $message }
    }
    if (Test-Path $Run.Result) {
        $r = Get-Content $Run.Result -Raw | ConvertFrom-Json
        return [pscustomobject][ordered]@{ suite = $Run.Name; passed = [int]$r.passed; failed = [int]$r.failed; skipped = [int]$r.skipped; notRun = [int]$r.notRun
            result = $r.result; seconds = $seconds; message = $r.message }
    }
    $message = "CRASHED: $($Run.Name) exited with code $($Run.Process.ExitCode) without reporting results"
    Write-Host "==> $message" -ForegroundColor Red
    [pscustomobject][ordered]@{ suite = $Run.Name; passed = 0; failed = 1; skipped = 0; notRun = 0; result = 'Crashed'; seconds = $seconds; message = $message }
}

# Suites run -Parallel at a time, longest first when an earlier summary says how long they took (each suite has its
# own fixtures on free ports and its own temp folders, and the fleet hosts their own subnets).
$previous = @{}
if (Test-Path $ResultPath) {
    try { (Get-Content $ResultPath -Raw | ConvertFrom-Json).suites | ForEach-Object { $previous[[string]$_.suite] = [double]$_.seconds } } catch { }
}
$pending = [Collections.Generic.Queue[string]]::new()
$suites | Sort-Object -Stable -Descending { $previous[[IO.Path]::GetRelativePath($repositoryRoot, $_)] } | ForEach-Object { $pending.Enqueue($_) }

$budget = [Diagnostics.Stopwatch]::StartNew()
$results = [Collections.Generic.List[object]]::new()
$running = [Collections.Generic.List[object]]::new()
try {
    while ($pending.Count -gt 0 -or $running.Count -gt 0) {
        while ($pending.Count -gt 0 -and $running.Count -lt $Parallel) {
            $suite = $pending.Dequeue()
            $timeout = [Math]::Min($TimeoutSeconds, $BudgetSeconds - [int]$budget.Elapsed.TotalSeconds)
            if ($timeout -le 0) {
                $name = [IO.Path]::GetRelativePath($repositoryRoot, $suite)
                Write-Host "==> $name NOT RUN: the overall Pester budget of $BudgetSeconds s is used up" -ForegroundColor Red
                $results.Add([pscustomobject][ordered]@{ suite = $name; passed = 0; failed = 1; skipped = 0; notRun = 0; result = 'NotRun'; seconds = 0
                        message = "not run: overall budget of $BudgetSeconds s used up" })
                continue
            }
            $running.Add((Start-Suite $suite $timeout))
        }
        Start-Sleep -Milliseconds 250
        foreach ($run in @($running)) {
            $timedOut = -not $run.Process.HasExited -and $run.Clock.Elapsed.TotalSeconds -ge $run.Timeout
            if ($run.Process.HasExited -or $timedOut) {
                $results.Add((Complete-Suite $run $timedOut))
                $running.Remove($run) | Out-Null
            }
        }
    }
}
finally {
    foreach ($run in $running) { if (-not $run.Process.HasExited) { Stop-SuiteTree $run.Process } }
}
$results = @($results | Sort-Object suite)
if ($demoBuild) { Remove-Item $demoBuild -Recurse -Force -ErrorAction SilentlyContinue }

$totals = [ordered]@{
    passed  = [int]($results | Measure-Object -Property passed -Sum).Sum
    failed  = [int]($results | Measure-Object -Property failed -Sum).Sum
    skipped = [int]($results | Measure-Object -Property skipped -Sum).Sum
    suites  = $results
}
$totals | ConvertTo-Json -Depth 4 | Set-Content -Path $ResultPath

Write-Host ''
Write-Host 'Pester suites (each in a fresh pwsh):'
foreach ($r in $results) {
    $line = '  {0,-8} {1,-48} {2,4} passed {3,4} failed {4,4} skipped {5,7:0.0}s' -f $r.result, $r.suite, $r.passed, $r.failed, $r.skipped, $r.seconds
    if ($r.message) { $line += "  $($r.message)" }
    Write-Host $line -ForegroundColor $(if ($r.failed -gt 0) { 'Red' } else { 'Green' })
}
Write-Host ("Pester: {0} passed, {1} failed, {2} skipped (summary: {3})" -f $totals.passed, $totals.failed, $totals.skipped, $ResultPath)
exit $(if ($totals.failed -gt 0) { 1 } else { 0 })
