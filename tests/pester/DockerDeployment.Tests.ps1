#Requires -Version 7.4
# Container deployments (deployment.docker) through the cmdlets. Nothing here needs a Docker daemon or nginx: the
# example validates, -WhatIf shows the container step in the plan, and a deployment against a daemon that is not
# there stops in the deploy phase with DockerUnreachable and a Failed record, traffic untouched. Real containers
# behind real nginx are covered by the engine tests (tests/DeployOps.Engine.Tests/DockerDeploy).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:root = New-TestDirectory 'dockerdeploy'
    $script:socket = Join-Path $script:root 'no-daemon.sock'
    $script:upstream = Join-Path $script:root 'shop-upstream.conf'
    $script:config = Join-Path $script:root 'deployops.yaml'
    @"
application: pester-containers
environment: test
deployment:
  slots:
    blue: { host: 127.0.0.1, port: 18081 }
    green: { host: 127.0.0.1, port: 18082 }
  traffic:
    upstreamFile: $($script:upstream)
    upstreamName: shop
    probeUrl: http://127.0.0.1:18080/version
  docker:
    host: unix://$($script:socket)
    image: "shop:{version}"
    pull: never
    env: { PORT: "{port}" }
    healthcheck: { command: "wget -q -O /dev/null http://127.0.0.1:{port}/version", timeout: 10s }
"@ | Set-Content -Path $script:config
    $script:example = Join-Path $PSScriptRoot '..' '..' 'examples' 'deploy-containers.yaml'
}

AfterAll {
    Remove-TestResources
}

Describe 'Container deployments' {
    It 'validates the container example' {
        $env:SHOP_DB_CONNECTION = 'Host=db;Password=pester-only'
        try {
            Test-DeploymentConfig -Path $script:example -Quiet | Should -BeTrue
        }
        finally {
            Remove-Item Env:SHOP_DB_CONNECTION -ErrorAction SilentlyContinue
        }
    }

    It 'shows the container step in the -WhatIf plan and changes nothing' {
        $plan = @(Invoke-Deployment -Path $script:config -Version 2.0.0 -Strategy BlueGreen -WhatIf)
        $plan.Phase | Should -Be @('before-deploy', 'deploy:blue', 'verify:blue', 'traffic:blue', 'post-verify', 'image-tags', 'after-deploy')
        $deploy = @($plan | Where-Object Phase -like 'deploy:*')
        $deploy.Count | Should -Be 1
        ($deploy[0].Details -join "`n") | Should -BeLike '*start: container -> run shop:2.0.0 as the * container on 127.0.0.1:1808? (host network)*'
        $plan.Phase | Should -Contain 'image-tags'
        Test-Path $script:upstream | Should -BeFalse
    }

    It 'stops with DockerUnreachable in the deploy phase when no daemon is there, traffic untouched' {
        $record = Invoke-Deployment -Path $script:config -Version 2.0.0 -Strategy BlueGreen -Confirm:$false `
            -ErrorAction SilentlyContinue -ErrorVariable problems
        $record.Outcome | Should -Be 'Failed'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DockerUnreachable*'
        $problems[0].Exception.Message | Should -BeLike "*$($script:socket)*"
        ($record.Phases | Where-Object Name -like 'deploy:*').Status | Should -Be 'Failed'
        $record.Phases.Name | Should -Not -Contain 'traffic:blue'
        $record.Phases.Name | Should -Not -Contain 'traffic:green'
        Test-Path $script:upstream | Should -BeFalse
    }

    It 'runs its Docker client (Docker.DotNet and its dependencies) inside DeployOps'' own load context' {
        # The deployment above went through the Docker client; its library must not have landed in the default context.
        Invoke-Deployment -Path $script:config -Version 2.0.1 -Strategy BlueGreen -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
        $loaded = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -like 'Docker.DotNet*' })
        $loaded.GetName().Name | Should -Contain 'Docker.DotNet'
        $loaded.GetName().Name | Should -Contain 'Docker.DotNet.NativeHttp'
        foreach ($assembly in $loaded) {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name | Should -Be 'DeployOps.Dependencies'
            $assembly.Location | Should -BeLike '*/Dependencies/*'
        }
    }
}
