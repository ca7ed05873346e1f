#Requires -Version 7.4
# A `kind: redis` check from the staged module against a real redis-server that speaks only TLS and knows only an
# ACL user: proves StackExchange.Redis 2.x and its dependencies load in DeployOps' own load context in real pwsh,
# and that a wrong password, a wrong CA and contradictory TLS keys are clear errors that never show the password.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:root = New-TestDirectory 'redis-tls'
    $script:redis = Start-TestRedisSecured
    $env:DEPLOYOPS_PESTER_REDIS_PW = $script:redis.Password
    $env:DEPLOYOPS_PESTER_REDIS_WRONG = 'wrong-acl-password-4417'

    function New-RedisConfig([string] $Name, [string] $PasswordVariable = 'DEPLOYOPS_PESTER_REDIS_PW', [string] $CaFile = $script:redis.CaFile, [string] $Extra = '') {
        $path = Join-Path $script:root "$Name.yaml"
        @"
application: pester-app
environment: test
redis:
  endpoint: rediss://127.0.0.1:$($script:redis.Port)
  user: $($script:redis.User)
  password: `${env:$PasswordVariable}
  caFile: $CaFile
  connectTimeout: 5s
$Extra
checks:
  - name: cache
    kind: redis
"@ | Set-Content -Path $path
        $path
    }

    # A CA that did not sign the server certificate.
    $script:otherCa = Join-Path $script:root 'other-ca.pem'
    & (Get-RequiredProgram -Candidates openssl -Install 'apt-get install -y openssl') req -x509 -newkey ec `
        -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=Some Other CA' `
        -keyout (Join-Path $script:root 'other-ca.key') -out $script:otherCa 2>&1 | Out-Null
}

AfterAll {
    Remove-TestResources
    Remove-Item Env:DEPLOYOPS_PESTER_REDIS_PW, Env:DEPLOYOPS_PESTER_REDIS_WRONG -ErrorAction SilentlyContinue
}

Describe 'kind: redis over TLS with an ACL user' {
    It 'passes with the right user, password and CA, loading StackExchange.Redis 2.x in DeployOps'' own load context' {
        $result = Test-PreDeployment -Path (New-RedisConfig 'good') -Name cache
        $result.Status | Should -Be 'Passed' -Because $result.Message
        $result.Data['redisVersion'] | Should -Not -BeNullOrEmpty
        $redisAssembly = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'StackExchange.Redis' }
        $redisAssembly | Should -HaveCount 1
        $redisAssembly.GetName().Version.Major | Should -Be 2
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($redisAssembly).Name | Should -Be 'DeployOps.Dependencies'
        $pipelines = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Pipelines.Sockets.Unofficial' }
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($pipelines).Name | Should -Be 'DeployOps.Dependencies'
    }

    It 'fails with a wrong password, naming the ACL user and never the password' {
        $errors = @()
        $result = Test-PreDeployment -Path (New-RedisConfig 'wrong-pw' -PasswordVariable DEPLOYOPS_PESTER_REDIS_WRONG) -Name cache `
            -ErrorVariable errors -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.Message | Should -BeLike "*authentication failed for ACL user '$($script:redis.User)'*"
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PreDeploymentCheckFailed*'
        ($result | Out-String) + ($errors | Out-String) | Should -Not -Match 'wrong-acl-password-4417'
    }

    It 'refuses a server whose certificate another CA signed' {
        $result = Test-PreDeployment -Path (New-RedisConfig 'wrong-ca' -CaFile $script:otherCa) -Name cache -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.Message | Should -BeLike "*TLS handshake refused: the server certificate is not signed by a CA in $($script:otherCa)*"
    }

    It 'connects with the explicit tlsInsecure opt-in and no CA' {
        $path = Join-Path $script:root 'insecure.yaml'
        (Get-Content -Raw (New-RedisConfig 'insecure-base')) -replace '(?m)^  caFile: .*$', '  tlsInsecure: true' | Set-Content $path
        (Test-PreDeployment -Path $path -Name cache).Status | Should -Be 'Passed'
    }
}

Describe 'Test-DeploymentConfig with Redis TLS keys' {
    It 'shows the connection without its password' {
        $config = Test-DeploymentConfig -Path (New-RedisConfig 'view')
        $config.Redis | Should -Be "rediss://$($script:redis.User)@127.0.0.1:$($script:redis.Port)/0"
        ($config | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($script:redis.Password))
    }

    It 'reports tls: false beside a rediss:// endpoint as ConfigInvalid at its line' {
        $path = New-RedisConfig 'contradiction' -Extra '  tls: false'
        $errors = @()
        Test-DeploymentConfig -Path $path -ErrorVariable errors -ErrorAction SilentlyContinue | Out-Null
        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ConfigInvalid*'
        $errors[0].TargetObject.Path | Should -Be 'redis.tls'
        $errors[0].TargetObject.Line | Should -Be 9
        $errors[0].Exception.Message | Should -BeLike '*contradicts the rediss:// endpoint*'
        Test-DeploymentConfig -Path $path -Quiet | Should -BeFalse
    }
}
