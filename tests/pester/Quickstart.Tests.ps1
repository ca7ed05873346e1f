#Requires -Version 7.4
# examples/quickstart.ps1 end to end, as a user runs it: `pwsh -NoProfile -File examples/quickstart.ps1` in a child
# process (killed with its children on timeout). Asserts the exit code, the headings and objects it prints, and that
# it leaves no process and no temporary directory behind. Uses nginx/PostgreSQL where installed (the script itself
# falls back to a Hotfix deployment without them); skips only when dotnet is missing.

BeforeDiscovery {
    $script:skipReason = if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) { 'dotnet is not installed' }
                         elseif (-not $IsLinux) { 'the quickstart and this suite read /proc' } else { $null }
}

Describe 'examples/quickstart.ps1' -Skip:([bool]$script:skipReason) {
    BeforeAll {
        $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
        $script:script = Join-Path $root 'examples/quickstart.ps1'
        $script:timeoutSeconds = 900   # builds the demo app (≈1–2 min on a busy 2-core machine), then ≈2 min of runbook
        # pwsh as the user runs it (as a .NET global tool this process's own path is the dotnet host).
        $pwsh = (Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1)?.Source
        if (-not $pwsh) { $pwsh = Join-Path $PSHOME 'pwsh' }
        $modulePath = $env:DEPLOYOPS_MODULE_PATH ? $env:DEPLOYOPS_MODULE_PATH : (Join-Path $root 'module/DeployOps/DeployOps.psd1')

        $psi = [Diagnostics.ProcessStartInfo]::new($pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $script:script, '-ModulePath', $modulePath) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $psi.WorkingDirectory = $root
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $process = [Diagnostics.Process]::Start($psi)
        $stdout = $process.StandardOutput.ReadToEndAsync(); $stderr = $process.StandardError.ReadToEndAsync()
        $script:timedOut = -not $process.WaitForExit($script:timeoutSeconds * 1000)
        if ($script:timedOut) { $process.Kill($true); $process.WaitForExit(10000) | Out-Null }
        $process.WaitForExit()
        $script:elapsed = $clock.Elapsed
        [void][Threading.Tasks.Task]::WaitAll([Threading.Tasks.Task[]]@($stdout, $stderr), 10000)
        $script:exitCode = $process.ExitCode
        $script:output = ($stdout.IsCompleted ? $stdout.Result : '') + "`n" + ($stderr.IsCompleted ? $stderr.Result : '')
        $script:tmp = [regex]::Match($script:output, 'Working directory: (\S+)').Groups[1].Value
        $script:nginx = $script:output -match 'nginx is up'
        $script:postgres = $script:output -match 'PostgreSQL is up'
        Write-Host ("quickstart finished in {0:N1} s with exit code {1} (nginx: {2}, PostgreSQL: {3})" -f
            $script:elapsed.TotalSeconds, $script:exitCode, $script:nginx, $script:postgres)

        function Get-ProcessUnder([string] $Directory) {
            foreach ($dir in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -Match '^\d+$') {
                try {
                    $stat = [IO.File]::ReadAllText("$($dir.FullName)/stat")
                    if (($stat -replace '^.*\)\s+', '').Split(' ')[0] -in 'Z', 'X') { continue }
                    $cwd = [IO.File]::ResolveLinkTarget("$($dir.FullName)/cwd", $false)?.FullName
                    $cmd = [IO.File]::ReadAllText("$($dir.FullName)/cmdline") -replace "`0", ' '
                    if (($cwd -and $cwd.StartsWith($Directory)) -or $cmd.Contains($Directory)) { "$($dir.Name): $cmd (cwd $cwd)" }
                } catch { }
            }
        }
    }

    It 'finishes within the timeout and exits 0' {
        $script:timedOut | Should -BeFalse -Because "it must finish within $($script:timeoutSeconds) s"
        $script:exitCode | Should -Be 0 -Because $script:output
        $script:output | Should -Match 'Quickstart finished in [\d.,]+ s: every step did what it should'
        $script:output | Should -Not -Match '\[FAIL\]'
    }

    It 'prints every step under a heading' {
        foreach ($heading in 'Test-DeploymentConfig', 'Test-PreDeployment \(the checklist\)', 'Invoke-Deployment -Strategy \w+ -Version 1\.0\.0',
                             'Invoke-Deployment -Strategy \w+ -Version 2\.0\.0', 'Watch-DeploymentHealth', 'Invoke-Rollback -Confirm:\$false',
                             'Get-DeploymentHistory', 'Cleanup') {
            $script:output | Should -Match "(?m)^== $heading"
        }
    }

    It 'runs the checklist' {
        $script:output | Should -Match '(?m)^Passed\s+disk\s+\(local\)\s+System'
        $script:output | Should -Match '(?m)^Passed\s+memory\s+\(local\)\s+System'
        if ($script:postgres) { $script:output | Should -Match '(?m)^(Passed|Warning)\s+database\s+\(local\)\s+Database' }
        if ($script:nginx) { $script:output | Should -Match '(?m)^(Passed|Warning)\s+router\s+\(local\)\s+Service' }
        $script:output | Should -Match '\[ OK \] Test-PreDeployment'
    }

    It 'deploys 1.0.0 and 2.0.0: Succeeded records, the new version live' {
        $strategy = $script:nginx ? 'BlueGreen' : 'Hotfix'
        $script:output | Should -Match "(?m)^\S+\s+1\.0\.0\s+$strategy\s+Succeeded"
        $script:output | Should -Match "(?m)^\S+\s+2\.0\.0\s+1\.0\.0\s+$strategy\s+Succeeded"
        $script:output | Should -Match '\[ OK \] Invoke-Deployment 1\.0\.0 — outcome Succeeded; \S+ answers 1\.0\.0'
        $script:output | Should -Match '\[ OK \] Invoke-Deployment 2\.0\.0 — outcome Succeeded; \S+ answers 2\.0\.0'
        if ($script:nginx) { $script:output | Should -Match 'traffic:green\s+Succeeded' }
    }

    It 'watches the health of 2.0.0 and finds it Healthy' {
        $script:output | Should -Match '\[ OK \] Watch-DeploymentHealth — \d+ samples, verdict Healthy'
    }

    It 'rolls back to 1.0.0: a RollbackResult with exit code 0' {
        $script:output | Should -Match '(?m)^\S+\s+\w+\s+2\.0\.0\s+1\.0\.0\s+Succeeded\s+0\s+yes'
        $script:output | Should -Match '\[ OK \] Invoke-Rollback — exit code 0, status Succeeded; \S+ answers 1\.0\.0'
    }

    It 'shows the history: 2.0.0 rolled back, 1.0.0 succeeded' {
        $script:output | Should -Match '\[ OK \] Get-DeploymentHistory — newest first: 2\.0\.0 RolledBack, 1\.0\.0 Succeeded'
    }

    It 'leaves no process running and removes its temporary directory' {
        $script:tmp | Should -Match 'deployops-quickstart-'
        $script:output | Should -Match "Removed $([regex]::Escape($script:tmp))"
        Test-Path $script:tmp | Should -BeFalse
        @(Get-ProcessUnder $script:tmp) | Should -BeNullOrEmpty
        # The PIDs it reported starting are gone too (nginx master, PostgreSQL postmaster, demo app processes).
        $pids = [regex]::Matches($script:output, '(?:master pid|is up \(pid|stopped \(pids?) ([\d, ]+)\)') |
            ForEach-Object { $_.Groups[1].Value -split ',\s*' } | Where-Object { $_ -match '^\d+$' }
        $pids | Should -Not -BeNullOrEmpty
        foreach ($id in $pids) {
            $alive = (Test-Path "/proc/$id") -and (([IO.File]::ReadAllText("/proc/$id/stat") -replace '^.*\)\s+', '').Split(' ')[0] -notin 'Z', 'X')
            if ($alive) {
                # A recycled PID would be an unrelated process: it must not be one of ours.
                [IO.File]::ReadAllText("/proc/$id/cmdline") | Should -Not -Match 'DemoApp|nginx|postgres' -Because "pid $id was started by the quickstart"
            }
        }
    }
}
