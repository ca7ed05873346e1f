#Requires -Version 7.4
# Test-DeploymentConfig against the staged module, through its engine facade (ConfigCommands.TestAsync): where -Path
# resolves from (PowerShell location, folder, piped FileInfo), the ConfigNotFound/ConfigInvalid errors, and -Quiet's one
# bool with the reasons as warnings. -TestNotifications is in Notifications.Tests.ps1, {raw:} in Injection.Tests.ps1.
# Needs nothing installed.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:dir = New-TestDirectory 'testconfig'
    $script:valid = Join-Path $script:dir 'deployops.yaml'
    "application: shop`nenvironment: pester`n" | Set-Content -Path $script:valid
    $script:bad = Join-Path $script:dir 'bad.yaml'
    "application: shop`nenvironment: pester`ndeployment:`n  strategy: sideways`nhealth:`n  timeout: soon`n" | Set-Content -Path $script:bad
}

AfterAll { Remove-TestResources }

Describe 'Test-DeploymentConfig' {
    It 'resolves a relative path, a folder and a piped FileInfo from the PowerShell location' {
        Push-Location $script:dir
        try {
            (Test-DeploymentConfig).FilePath | Should -Be $script:valid
            (Test-DeploymentConfig -Path .).FilePath | Should -Be $script:valid
        }
        finally { Pop-Location }
        $piped = @(Get-Item -LiteralPath $script:valid | Test-DeploymentConfig)
        $piped.Count | Should -Be 1
        $piped[0].Application | Should -Be 'shop'
    }

    It '-TestNotifications with no targets: one NotificationsNotConfigured error, or with -Quiet a warning and $false' {
        $out = Test-DeploymentConfig -Path $script:valid -TestNotifications -ErrorAction SilentlyContinue -ErrorVariable err
        @($out).Count | Should -Be 1   # the configuration record
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotificationsNotConfigured*'
        $answer = @(Test-DeploymentConfig -Path $script:valid -TestNotifications -Quiet -WarningVariable w -WarningAction SilentlyContinue -ErrorVariable quietErr)
        $answer.Count | Should -Be 1
        $answer[0] | Should -BeFalse
        $quietErr.Count | Should -Be 0
        ($w -join "`n") | Should -Match 'NotificationsNotConfigured'
    }

    It 'writes one ConfigNotFound error with the full path as target' {
        $missing = Join-Path $script:dir 'missing.yaml'
        $out = Test-DeploymentConfig -Path $missing -ErrorAction SilentlyContinue -ErrorVariable err
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ConfigNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be $missing
    }

    It 'writes one located ConfigInvalid error per problem and no configuration' {
        $out = Test-DeploymentConfig -Path $script:bad -ErrorAction SilentlyContinue -ErrorVariable err
        $out | Should -BeNullOrEmpty
        $err.Count | Should -BeGreaterOrEqual 2
        $err | ForEach-Object {
            $_.FullyQualifiedErrorId | Should -BeLike 'ConfigInvalid*'
            $_.CategoryInfo.Category | Should -Be 'InvalidData'
            $_.Exception.Message | Should -BeLike "$($script:bad):*"
        }
        ($err.TargetObject | Where-Object Path -eq 'deployment.strategy').Line | Should -Be 4
    }

    It '-Quiet answers one bool and puts the reasons on the warning stream, never an error' {
        Test-DeploymentConfig -Path $script:valid -Quiet | Should -BeTrue

        $out = @(Test-DeploymentConfig -Path $script:bad -Quiet -ErrorVariable err -WarningVariable w -WarningAction SilentlyContinue)
        $out.Count | Should -Be 1
        $out[0] | Should -BeFalse
        $err.Count | Should -Be 0
        $w.Count | Should -BeGreaterOrEqual 2
        $w | ForEach-Object { "$_" | Should -BeLike '*(ConfigInvalid)' }

        $missing = @(Test-DeploymentConfig -Path (Join-Path $script:dir 'missing.yaml') -Quiet -ErrorVariable err2 -WarningVariable w2 -WarningAction SilentlyContinue)
        $missing.Count | Should -Be 1
        $missing[0] | Should -BeFalse
        $err2.Count | Should -Be 0
        "$w2" | Should -BeLike '*missing.yaml (ConfigNotFound)'
    }
}
