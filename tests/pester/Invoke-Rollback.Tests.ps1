# Invoke-Rollback end to end through the staged module: an in-place (hotfix) deployment on one instance whose
# steps write the deployed version to a file; a tiny HttpListener job stands in for the application's /health.
BeforeAll {
    Import-Module $env:DEPLOYOPS_MODULE_PATH -Force
    $script:dir = Join-Path ([System.IO.Path]::GetTempPath()) ("deployops-rollback-" + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $script:dir | Out-Null
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $script:port = $listener.LocalEndpoint.Port; $listener.Stop()
    $script:app = Start-ThreadJob -ArgumentList $script:port -ScriptBlock {
        param($port)
        $http = [System.Net.HttpListener]::new()
        $http.Prefixes.Add("http://127.0.0.1:$port/")
        $http.Start()
        # Short waits so Stop-Job can end the job (a blocking GetContext never returns and Stop-Job hangs on it).
        while ($true) {
            $next = $http.GetContextAsync()
            while (-not $next.Wait(200)) { }
            $next.Result.Response.StatusCode = 200; $next.Result.Response.Close()
        }
    }
    Start-Sleep -Milliseconds 500
    $script:config = Join-Path $script:dir 'deployops.yaml'
    $script:versionFile = Join-Path $script:dir 'current-version'
    Set-Content -Path $script:config -Value @"
application: shop
environment: pester
deployment:
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:port) }
  readiness: { timeout: 10s, interval: 100ms }
  steps:
    start:
      - name: install version
        command: echo {version} > current-version
rollback:
  logPaths: [current-version]
"@
}

AfterAll {
    if ($script:app) { Stop-Job $script:app; Remove-Job $script:app -Force }
    Remove-Item -Recurse -Force $script:dir -ErrorAction SilentlyContinue
}

Describe 'Invoke-Rollback' {
    It 'says there is nothing to undo before the first deployment' {
        { Invoke-Rollback -Path $script:config -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RollbackNothingToUndo*'
    }

    It 'shows the plan under -WhatIf and changes nothing' {
        Invoke-Deployment -Path $script:config -Version 1.0.0 -Strategy Hotfix -Confirm:$false | Out-Null
        $bad = Invoke-Deployment -Path $script:config -Version 2.0.0 -Strategy Hotfix -Confirm:$false
        $bad.Outcome | Should -Be 'Succeeded'
        (Get-Content $script:versionFile).Trim() | Should -Be '2.0.0'

        $plan = @(Invoke-Rollback -Path $script:config -WhatIf)
        $plan.Phase | Should -Contain 'rollback:redeploy:web1'
        (Get-Content $script:versionFile).Trim() | Should -Be '2.0.0'
        (Get-Deployment -Path $script:config -Id $bad.Id).Outcome | Should -Be 'Succeeded'
    }

    It 'redeploys the previous version, marks the deployment RolledBack and exits 0' {
        $result = Invoke-Rollback -Path $script:config -Reason 'pester' -Confirm:$false
        $result.Status | Should -Be 'Succeeded'
        $result.ExitCode | Should -Be 0
        $result.FromVersion | Should -Be '2.0.0'
        $result.ToVersion | Should -Be '1.0.0'
        (Get-Content $script:versionFile).Trim() | Should -Be '1.0.0'
        (Get-Deployment -Path $script:config -Id $result.DeploymentId).Outcome | Should -Be 'RolledBack'
        Test-Path (Join-Path $result.IncidentDirectory 'incident.md') | Should -BeTrue
        $incident = Get-Content (Join-Path $result.IncidentDirectory 'incident.json') -Raw | ConvertFrom-Json
        $incident.toVersion | Should -Be '1.0.0'
        $incident.reason | Should -Be 'pester'
        ($result | Format-Table | Out-String) | Should -Match 'Succeeded'
    }

    It 'refuses -DeploymentId and -ToVersion together' {
        { Invoke-Rollback -Path $script:config -DeploymentId x -ToVersion 1.0.0 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }
}
