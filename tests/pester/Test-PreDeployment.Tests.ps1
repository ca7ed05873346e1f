#Requires -Version 7.4
# Drives the staged module as an admin would. Run by build.ps1 -Test / build.sh test where pwsh and Pester 5 exist.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:root = New-TestDirectory 'precheck'

    # A port that is listening (this process) and one that is not.
    $script:listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $script:listener.Start()
    $script:openPort = $script:listener.LocalEndpoint.Port
    $script:closedPort = Get-FreePort

    $env:DEPLOYOPS_PESTER_SECRET = 'pester-planted-secret-value-0123456789-abcdefghijklmnopqrstuvwxyz'
    $script:config = Join-Path $script:root 'deployops.yaml'
    @"
application: pester-app
environment: test
checks:
  - name: port-open
    kind: tcp
    address: 127.0.0.1:$($script:openPort)
    timeout: 2s
  - name: disk-space
    kind: disk
    path: $($script:root)
    minFree: 1MB
  - name: app-secret
    kind: secrets
    variables:
      - name: DEPLOYOPS_PESTER_SECRET
        minLength: 50
"@ | Set-Content -Path $script:config

    $script:failing = Join-Path $script:root 'failing.yaml'
    @"
application: pester-app
environment: test
checks:
  - name: port-open
    kind: tcp
    address: 127.0.0.1:$($script:openPort)
  - name: port-closed
    kind: tcp
    address: 127.0.0.1:$($script:closedPort)
    timeout: 2s
"@ | Set-Content -Path $script:failing
}

AfterAll {
    $script:listener.Stop()
    Remove-TestResources
    Remove-Item Env:DEPLOYOPS_PESTER_SECRET -ErrorAction SilentlyContinue
}

Describe 'Test-DeploymentConfig' {
    It 'returns $true with -Quiet for a valid file' {
        Test-DeploymentConfig -Path $script:config -Quiet | Should -BeTrue
    }

    It 'reports every problem with its line and key path' {
        $bad = Join-Path $script:root 'bad.yaml'
        "application: x`nenvironmnt: y`nchecks:`n  - name: a`n    kind: disk`n    timeout: soon`n" | Set-Content $bad
        $errors = @()
        Test-DeploymentConfig -Path $bad -ErrorVariable errors -ErrorAction SilentlyContinue | Out-Null
        $errors.Count | Should -BeGreaterOrEqual 3
        $errors.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'ConfigInvalid*' }
        ($errors | Where-Object { $_.TargetObject.Path -eq 'checks[0].timeout' }).TargetObject.Line | Should -Be 6
        Test-DeploymentConfig -Path $bad -Quiet | Should -BeFalse
    }

    It 'writes ConfigNotFound with the path tried' {
        $missing = Join-Path $script:root 'nope.yaml'
        { Test-DeploymentConfig -Path $missing -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigNotFound*'
    }
}

Describe 'Test-PreDeployment' {
    It 'emits one CheckResult per check' {
        $results = Test-PreDeployment -Path $script:config
        $results.Count | Should -Be 3
        $results | ForEach-Object { $_.GetType().FullName | Should -Be 'DeployOps.Engine.Checks.CheckResult' }
        $results.Status | Should -Not -Contain 'Failed'
    }

    It 'returns a single bool with -Quiet' {
        Test-PreDeployment -Path $script:config -Quiet | Should -BeTrue
        Test-PreDeployment -Path $script:failing -Quiet | Should -BeFalse
    }

    It 'filters by -Name and -Category' {
        (Test-PreDeployment -Path $script:config -Name 'port-*').Name | Should -Be 'port-open'
        (Test-PreDeployment -Path $script:config -Category Security).Name | Should -Be 'app-secret'
    }

    It 'accepts a configuration object from the pipeline' {
        $cfg = Test-DeploymentConfig -Path $script:config
        ($cfg | Test-PreDeployment).Count | Should -Be 3
    }

    It 'writes PreDeploymentCheckFailed after all results so -ErrorAction Stop and $? work' {
        $errors = @()
        $results = Test-PreDeployment -Path $script:failing -ErrorVariable errors -ErrorAction SilentlyContinue
        $results.Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PreDeploymentCheckFailed*'
        $errors[0].Exception.Message | Should -BeLike '*port-closed*'
        { Test-PreDeployment -Path $script:failing -ErrorAction Stop } | Should -Throw -ErrorId 'PreDeploymentCheckFailed*'
    }

    It 'never shows the secret value' {
        $text = Test-PreDeployment -Path $script:config | Format-List * | Out-String
        $text | Should -Not -Match 'pester-planted-secret-value'
        Get-Content (Join-Path $script:root '.deployops/audit.jsonl') -Raw | Should -Not -Match 'pester-planted-secret-value'
    }
}
