#Requires -Version 7.4
# A hostile -Version never reaches a shell: Invoke-Deployment (also under -WhatIf) and Invoke-Rollback -ToVersion fail
# with InvalidVersion before anything runs, and Test-DeploymentConfig warns about {raw:} and rejects hostile hosts.
Describe 'Command injection through -Version and templates' {
    BeforeAll {
        Import-Module $env:DEPLOYOPS_MODULE_PATH -Force
        $script:root = Join-Path ([IO.Path]::GetTempPath()) ('deployops-pester-inject-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $script:root | Out-Null
        $script:pwned = Join-Path $script:root 'x'
        $script:log = Join-Path $script:root 'version.log'
        $script:config = Join-Path $script:root 'deployops.yaml'
        Set-Content -Path $script:config -Value @"
application: shop
environment: pester
deployment:
  slots:
    blue: { port: 5001 }
    green: { port: 5002 }
  steps:
    install:
      - name: record
        command: echo version={version} >> $($script:log)
"@
    }

    AfterAll {
        Remove-Item -Recurse -Force -Path $script:root -ErrorAction SilentlyContinue
    }

    It 'Invoke-Deployment -Version <Version> -WhatIf fails with InvalidVersion and creates nothing' -ForEach @(
        @{ Version = '1.0;touch /tmp/x' }
        @{ Version = "1.0;touch $(Join-Path ([IO.Path]::GetTempPath()) 'deployops-pester-pwned')" }
        @{ Version = '$(id)' }
        @{ Version = '../../etc' }
    ) {
        $before = Test-Path -LiteralPath '/tmp/x'
        $err = $null
        $result = $null
        try { $result = Invoke-Deployment -Path $script:config -Version $Version -WhatIf -ErrorAction Stop }
        catch { $err = $_ }

        $result | Should -BeNullOrEmpty
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidVersion*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be $Version
        "$err" | Should -BeLike "Invalid -Version*"
        (Test-Path -LiteralPath '/tmp/x') | Should -Be $before
        Test-Path -LiteralPath (Join-Path ([IO.Path]::GetTempPath()) 'deployops-pester-pwned') | Should -BeFalse
        Test-Path -LiteralPath $script:log | Should -BeFalse
        Get-ChildItem -Path $script:root -Recurse -Force | Where-Object Name -ne 'deployops.yaml' | Should -BeNullOrEmpty
    }

    It 'Invoke-Rollback -ToVersion with a hostile version fails with InvalidVersion under -WhatIf' {
        { Invoke-Rollback -Path $script:config -ToVersion '1.0;touch /tmp/x' -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidVersion*'
        Get-ChildItem -Path $script:root -Recurse -Force | Where-Object Name -ne 'deployops.yaml' | Should -BeNullOrEmpty
    }

    It 'Test-DeploymentConfig warns about {raw:} with file:line and key path, and rejects a hostile host with its location' {
        $raw = Join-Path $script:root 'raw.yaml'
        Set-Content -Path $raw -Value @'
application: shop
environment: pester
deployment:
  slots:
    blue: { port: 5001, host: "127.0.0.1; } server { listen 81; }" }
    green: { port: 5002 }
  steps:
    install:
      - command: echo {raw:version}
'@
        $warnings = $null
        $err = $null
        Test-DeploymentConfig -Path $raw -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null

        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -BeLike "$($raw):9:*deployment.steps.install``[0``].command*{raw:version}*"
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ConfigInvalid*'
        $err[0].TargetObject.Path | Should -Be 'deployment.slots.blue.host'
        $err[0].TargetObject.Line | Should -Be 5
        Remove-Item -LiteralPath $raw
    }
}
