#Requires -Version 7.4
# Remove-DeploymentImage against a private containerd + dockerd (Start-TestDockerd: no iptables, no bridge, vfs
# storage, own sockets under /tmp). Images are `docker import`ed here, each with content of its own so ids differ.
# Deployed history, the live image, the rollback target and retention after a deployment are covered by the engine
# tests (tests/DeployOps.Engine.Tests/DockerDeploy/ImageRetentionTests.cs). Needs root and docker.io + containerd.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:root = New-TestDirectory 'dockerprune'
    $script:daemon = Start-TestDockerd
    $script:dockerCli = Get-RequiredProgram -Candidates /usr/bin/docker, docker -Install 'apt-get install -y docker.io'
    $script:repository = 'pester-prune'

    function Invoke-Docker { & $script:dockerCli -H $script:daemon.Host @args }
    function New-TestImage([string] $Tag) {
        $dir = Join-Path $script:root "rootfs-$Tag"
        New-Item -ItemType Directory -Path $dir | Out-Null
        Set-Content -Path (Join-Path $dir 'version') -Value "$Tag $([guid]::NewGuid())"
        & tar -C $dir -cf "$dir.tar" version
        (Invoke-Docker import "$dir.tar" "$($script:repository):$Tag").Trim()
    }
    function Test-Image([string] $Reference) {
        Invoke-Docker image inspect $Reference *> $null
        $LASTEXITCODE -eq 0
    }

    $script:config = Join-Path $script:root 'deployops.yaml'
    $script:noRule = Join-Path $script:root 'no-rule.yaml'
    foreach ($pair in @(@($script:config, "    retention: { keepVersions: 3, afterDeployment: false }"), @($script:noRule, ''))) {
        @"
application: pester-prune
environment: test
state:
  directory: $($script:root)/state
deployment:
  slots:
    blue: { host: 127.0.0.1, port: 18181 }
    green: { host: 127.0.0.1, port: 18182 }
  docker:
    host: $($script:daemon.Host)
    image: "$($script:repository):{version}"
    pull: never
$($pair[1])
"@ | Set-Content -Path $pair[0]
    }
    $script:old = New-TestImage 'old'
    $script:stray = New-TestImage 'stray'
    $script:used = New-TestImage 'used'
    Invoke-Docker create --name pester-prune-used "$($script:repository):used" true | Out-Null
    # Every image must be older than the -MaxAge the tests pass.
    Start-Sleep -Seconds 2
}

AfterAll {
    Remove-TestResources
}

Describe 'Remove-DeploymentImage' {
    It 'is exported with help, -WhatIf and its output type' {
        $command = Get-Command Remove-DeploymentImage -Module DeployOps
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'KeepVersions'
        $command.Parameters.Keys | Should -Contain 'MaxAge'
        $command.OutputType.Type.FullName | Should -Contain 'DeployOps.Engine.Strategies.Docker.DeploymentImage'
        (Get-Help Remove-DeploymentImage).Synopsis | Should -BeLike '*retention*'
    }

    It 'fails with ImageRetentionNotConfigured when there is no rule' {
        $out = Remove-DeploymentImage -Path $script:noRule -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable problems
        $out | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ImageRetentionNotConfigured*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $problems[0].Exception.Message | Should -BeLike '*-KeepVersions*'
    }

    It 'keeps images no deployment recorded under keepVersions alone (only an age removes them)' {
        @(Remove-DeploymentImage -Path $script:config -Confirm:$false) | Should -BeNullOrEmpty
        Test-Image $script:old | Should -BeTrue
    }

    It '-WhatIf lists what would go and removes nothing' {
        $listed = @(Remove-DeploymentImage -Path $script:config -MaxAge 1s -WhatIf)
        ($listed.ImageId | Sort-Object) | Should -Be (@($script:old, $script:stray) | Sort-Object)
        $listed.Removed | Should -Not -Contain $true
        $listed[0].ConfigPath | Should -Be (Resolve-Path $script:config).Path
        $listed[0].Reason | Should -BeLike '*recorded by no deployment, unused for*'
        Test-Image $script:old | Should -BeTrue
        Test-Image $script:stray | Should -BeTrue
    }

    It 'removes them, writes what it removed, never an image a container uses' {
        $removed = @(Remove-DeploymentImage -Path $script:config -MaxAge 1s -Confirm:$false)
        ($removed.ImageId | Sort-Object) | Should -Be (@($script:old, $script:stray) | Sort-Object)
        $removed.Removed | Should -Not -Contain $false
        $removed[0] | Should -BeOfType ([DeployOps.Engine.Strategies.Docker.DeploymentImage])
        $removed[0].Kind | Should -Be ([DeployOps.Engine.Strategies.Docker.DeploymentImageKind]::Image)
        ($removed | Measure-Object -Property Bytes -Sum).Sum | Should -BeGreaterThan 0
        Test-Image $script:old | Should -BeFalse
        Test-Image $script:stray | Should -BeFalse
        Test-Image $script:used | Should -BeTrue
        ($removed | Format-Table | Out-String) | Should -BeLike '*Kind*Removed*ImageId*'
    }

    It 'takes a configuration from the pipeline' {
        $null = New-TestImage 'late'
        Start-Sleep -Seconds 2
        $listed = @(Test-DeploymentConfig -Path $script:config | Remove-DeploymentImage -MaxAge 1s -WhatIf)
        $listed.Tags | Should -Be @("$($script:repository):late")
    }
}
