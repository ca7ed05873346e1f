#Requires -Version 7.4
# The docker check kind through Test-PreDeployment. The unreachable case needs nothing; the passing case runs against a
# private containerd + dockerd started here (as the engine tests' DockerDaemonFixture does: no iptables, no bridge,
# vfs storage, own sockets under /tmp). Needs root and docker.io + containerd (apt-get install -y docker.io); without
# them the suite fails with that command.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:root = New-TestDirectory 'docker'
    $script:docker = Start-TestDockerd
    $script:missingSocket = Join-Path $script:root 'no-daemon.sock'
    $script:config = Join-Path $script:root 'deployops.yaml'
    @"
application: pester-docker
environment: test
checks:
  - name: docker-down
    kind: docker
    host: unix://$($script:missingSocket)
  - name: docker-local
    kind: docker
    host: $($script:docker.Host)
    minFree: 1MB
    timeout: 10s
"@ | Set-Content -Path $script:config
}

AfterAll {
    Remove-TestResources
}

Describe 'docker check kind' {
    It 'fails with DockerUnreachable and says how to reach the daemon when nothing listens' {
        $result = Test-PreDeployment -Path $script:config -Name docker-down -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.Data['errorId'] | Should -Be 'DockerUnreachable'
        $result.Message | Should -BeLike "*$($script:missingSocket)*host: key*"
    }

    It 'passes against a running daemon' {
        $result = Test-PreDeployment -Path $script:config -Name docker-local
        $result.Status | Should -Be 'Passed'
        $result.Data['apiVersion'] | Should -Not -BeNullOrEmpty
    }

    It 'uses DOCKER_HOST when the check names no host' {
        $config = Join-Path (New-TestDirectory 'docker-env') 'deployops.yaml'
        "application: x`nenvironment: y`nchecks:`n  - name: d`n    kind: docker`n    timeout: 10s`n" | Set-Content $config
        $saved = $env:DOCKER_HOST
        try {
            $env:DOCKER_HOST = $script:docker.Host
            (Test-PreDeployment -Path $config -Name d).Status | Should -Be 'Passed'
        }
        finally { $env:DOCKER_HOST = $saved }
    }

    It 'rejects a remote tcp host when the file is validated' {
        $bad = Join-Path $script:root 'remote.yaml'
        "application: x`nenvironment: y`nchecks:`n  - name: d`n    kind: docker`n    host: tcp://10.0.0.1:2375`n" | Set-Content $bad
        Test-DeploymentConfig -Path $bad -Quiet | Should -BeFalse
    }
}
