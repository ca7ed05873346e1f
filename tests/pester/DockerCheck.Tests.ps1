#Requires -Version 7.4
# The docker check kind through Test-PreDeployment. The unreachable case needs nothing; the passing case needs a
# daemon at DOCKER_HOST or /var/run/docker.sock and is skipped with the reason when there is none.
BeforeDiscovery {
    $script:dockerHost = if ($env:DOCKER_HOST) { $env:DOCKER_HOST } else { 'unix:///var/run/docker.sock' }
    $script:noDaemon = -not ($script:dockerHost -like 'tcp://*' -or (Test-Path ($script:dockerHost -replace '^unix://', '')))
}

BeforeAll {
    Import-Module $env:DEPLOYOPS_MODULE_PATH -Force
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ("deployops-pester-docker-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $script:root | Out-Null
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
    minFree: 1MB
    timeout: 10s
"@ | Set-Content -Path $script:config
}

AfterAll {
    Remove-Item $script:root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'docker check kind' {
    It 'fails with DockerUnreachable and says how to reach the daemon when nothing listens' {
        $result = Test-PreDeployment -Path $script:config -Name docker-down -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.Data['errorId'] | Should -Be 'DockerUnreachable'
        $result.Message | Should -BeLike "*$($script:missingSocket)*DOCKER_HOST*"
    }

    It 'passes against the local daemon' -Skip:$script:noDaemon {
        $result = Test-PreDeployment -Path $script:config -Name docker-local
        $result.Status | Should -Be 'Passed'
        $result.Data['apiVersion'] | Should -Not -BeNullOrEmpty
    }

    It 'rejects a remote tcp host when the file is validated' {
        $bad = Join-Path $script:root 'remote.yaml'
        "application: x`nenvironment: y`nchecks:`n  - name: d`n    kind: docker`n    host: tcp://10.0.0.1:2375`n" | Set-Content $bad
        Test-DeploymentConfig -Path $bad -Quiet | Should -BeFalse
    }
}
