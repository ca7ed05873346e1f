#Requires -Version 7.4
# Issue 11 §2 and §4: a deployment's steps die with it, and children get only the environment they need. A real pwsh
# runs Invoke-Deployment and is killed with SIGKILL in the middle of a step that ignores SIGTERM; the next
# Invoke-Deployment (in this pwsh) must not run its steps while the dead one's still run, and journals what it found.

Describe 'Child processes of a deployment' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSupport.ps1')
        Import-DeployOpsUnderTest
        $www = New-TestDirectory 'child-www'
        Set-Content -Path (Join-Path $www 'health') -Value 'ok'
        $script:app = Start-StaticHttpServer -Root $www

        # The victim (1.0.0) writes its process group and sleeps deaf to SIGTERM; the next one first looks whether any
        # process of that group is still alive: "overlap" in steps.log is the defect. Timestamps in ns for the report.
        function script:New-ChildApp([string] $Steps) {
            $dir = New-TestDirectory 'child'
            $config = Join-Path $dir 'deployops.yaml'
            Set-Content -Path $config -Value @"
application: shop
environment: pester
deployment:
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:app.Port) }
  readiness: { timeout: 10s, interval: 100ms }
  steps:
$Steps
"@
            [pscustomobject]@{ Dir = $dir; Config = $config; StepsLog = (Join-Path $dir 'steps.log') }
        }

        # Live (not zombie: this machine's pid 1 may never reap orphans) processes of a process group.
        function script:Get-LiveGroupMember([int] $Pgid) {
            foreach ($stat in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$') {
                $text = try { Get-Content (Join-Path $stat.FullName 'stat') -Raw -ErrorAction Stop } catch { continue }
                $fields = $text.Substring($text.LastIndexOf(')') + 2).Split(' ')
                if ($fields[0] -ne 'Z' -and [int]$fields[2] -eq $Pgid) { [int]$stat.Name }
            }
        }

        function script:Read-Journal([string] $Dir, [string] $Id) {
            Get-Content (Join-Path $Dir ".deployops/deployments/$Id/journal.jsonl") | ForEach-Object { $_ | ConvertFrom-Json }
        }
    }

    AfterAll {
        Remove-TestResources
    }

    It 'kill -9 of the pwsh mid-step: the next deployment ends the step group first, no overlap, leftovers journalled' {
        $app = New-ChildApp @'
    start:
      - name: slow migration
        command: >-
          echo "start $DEPLOYOPS_VERSION $(date +%s%N)" >> steps.log;
          if [ "$DEPLOYOPS_VERSION" = 1.0.0 ]; then trap '' TERM; cut -d' ' -f5 /proc/$$/stat > victim.pgid; sleep 60;
          elif ps -eo pgid=,stat= | awk -v g="$(cat victim.pgid)" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }';
          then echo overlap >> steps.log; fi;
          echo "end $DEPLOYOPS_VERSION" >> steps.log
        timeout: 2m
'@
        $script = "Import-Module '$($env:DEPLOYOPS_MODULE_PATH)'; Invoke-Deployment -Path '$($app.Config)' -Version 1.0.0 -Strategy Hotfix -Confirm:`$false"
        $victim = Start-TestProcess -FilePath (Get-PwshPath) -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script `
            -Directory $app.Dir -Name 'victim-pwsh'
        $pgidFile = Join-Path $app.Dir 'victim.pgid'
        Wait-Until -TimeoutSeconds 120 -Because 'the victim step to start' -Condition {
            (Test-Path $pgidFile) -and (Get-Content $pgidFile -Raw) -match '^\d+'
        }
        $pgid = [int](Get-Content $pgidFile -Raw).Trim()
        @(Get-LiveGroupMember $pgid).Count | Should -BeGreaterThan 0 -Because 'the victim step runs in its own process group'

        & kill -KILL $victim.Id
        $victim.WaitForExit(30000) | Should -BeTrue
        $killedAt = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()

        # The killed deployment is Interrupted: a plain Invoke-Deployment is refused and runs no step ...
        $refused = Invoke-Deployment -Path $app.Config -Version 2.0.0 -Strategy Hotfix -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refusal
        $refused | Should -BeNullOrEmpty
        $refusal[0].FullyQualifiedErrorId | Should -BeLike 'InterruptedDeploymentPending*'
        # ... and -Force (audited) goes ahead, ending the dead deployment's step group before its own steps.
        $next = Invoke-Deployment -Path $app.Config -Version 2.0.0 -Strategy Hotfix -Force -Confirm:$false
        $next.Outcome | Should -Be 'Succeeded'

        $lines = @(Get-Content $app.StepsLog)
        ($lines | ForEach-Object { ($_ -split ' ')[0..1] -join ' ' }) | Should -Be @('start 1.0.0', 'start 2.0.0', 'end 2.0.0')
        $nextStartMs = [long](($lines[1] -split ' ')[2]) / 1000000
        Write-Host "kill -9 -> next deployment's first step started after $([math]::Round($nextStartMs - $killedAt)) ms"
        @(Get-LiveGroupMember $pgid).Count | Should -Be 0 -Because 'the victim group is gone'

        $journal = @(Read-Journal $app.Dir $next.Id)
        $check = @($journal | Where-Object kind -eq 'LeftoversChecked')
        $check.Count | Should -Be 1
        Write-Host "LeftoversChecked: $($check[0].detail) (found $($check[0].data.found), killed '$($check[0].data.killed)')"
        $victimRecord = Get-DeploymentHistory -Path $app.Config | Where-Object Version -eq '1.0.0'
        $victimRecord.Outcome | Should -Be 'Interrupted'
        $check[0].data.checked | Should -Match $victimRecord.Id
        $firstStep = $journal | Where-Object kind -eq 'ProcessStarted' | Select-Object -First 1
        $check[0].seq | Should -BeLessThan $firstStep.seq
        $victimJournal = @(Read-Journal $app.Dir $victimRecord.Id)
        ($victimJournal | Where-Object kind -eq 'ProcessStarted').data.pgid | Should -Be "$pgid"
    }

    It 'children see no variable a ${env:} reference resolved, unless a step exports it under its own name' {
        $name = 'PESTER_CHILD_SECRET_' + [guid]::NewGuid().ToString('N').Substring(0, 8).ToUpperInvariant()
        $value = 'pester-secret-' + [guid]::NewGuid().ToString('N')
        Set-Item -Path "env:$name" -Value $value
        try {
            $app = New-ChildApp @"
    start:
      - name: plain
        command: env > env-plain.txt
      - name: exported
        command: env > env-exported.txt
        env: { DB_PASSWORD: '`${env:$name}' }
checks:
  - name: child env
    kind: command
    command: 'env > env-check.txt; printenv $name; echo "printenv=`$?"'
"@
            (Invoke-Deployment -Path $app.Config -Version 1.0.0 -Strategy Hotfix -Confirm:$false).Outcome | Should -Be 'Succeeded'
            $result = Test-PreDeployment -Path $app.Config -Name 'child env'
            $result.Status | Should -Be 'Passed'
            $result.Data.tail | Should -Match 'printenv=1'

            $plain = Get-Content (Join-Path $app.Dir 'env-plain.txt') -Raw
            $exported = Get-Content (Join-Path $app.Dir 'env-exported.txt') -Raw
            $check = Get-Content (Join-Path $app.Dir 'env-check.txt') -Raw
            foreach ($text in $plain, $exported, $check) {
                $text | Should -Not -Match "$name="
            }
            $plain | Should -Not -Match $value
            $check | Should -Not -Match $value
            $exported | Should -Match "DB_PASSWORD=$value"
            $plain | Should -Match 'DEPLOYOPS_DEPLOYMENT_ID='
        }
        finally { Remove-Item -Path "env:$name" -ErrorAction SilentlyContinue }
    }
}
