# Get-Deployment, Get-DeploymentHistory and Unlock-Deployment against the embedded file store. Needs nothing installed.
# Every It gets its own application folder (BeforeEach), so none depends on what another left behind.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
}

AfterAll {
    Remove-TestResources
}

Describe 'Deployment state' {
    BeforeEach {
        $script:dir = New-TestDirectory 'state'
        $script:config = Join-Path $script:dir 'deployops.yaml'
        Set-Content -Path $script:config -Value "application: shop`nenvironment: prod`n"
        $script:locks = Join-Path $script:dir '.deployops/locks'
        $script:lockFile = Join-Path $script:locks 'shop-prod.lock'
    }

    It 'reports an idle application with an empty history' {
        $status = Get-Deployment -Path $script:config
        $status.Activity | Should -Be 'Idle'
        $status.Lock | Should -BeNullOrEmpty
        @(Get-DeploymentHistory -Path $script:config -Last 5).Count | Should -Be 0
    }

    It 'says there is nothing to unlock when no deployment holds the lock' {
        Unlock-Deployment -Path $script:config -Force -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable problems | Out-Null
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'LockNotHeld*'
    }

    It 'reports an unknown id as DeploymentNotFound' {
        { Get-Deployment -Path $script:config -Id '20000101-000000-abcdef' -ErrorAction Stop } |
            Should -Throw -ErrorId 'DeploymentNotFound*'
    }

    It 'sees a stale lock held through the OS and breaks it with Unlock-Deployment -Force' {
        New-Item -ItemType Directory -Force -Path $script:locks | Out-Null
        # An exclusive FileStream is a real flock on Linux: the lock is held as a deployment would hold it.
        $held = [System.IO.File]::Open($script:lockFile, 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            # The pid of a process that has certainly exited: the lock's holder is gone.
            $sleeper = Start-Process -FilePath 'sleep' -ArgumentList '60' -PassThru
            Stop-Process -Id $sleeper.Id -Force
            $sleeper.WaitForExit(10000) | Should -BeTrue
            $holder = @{
                application = 'shop'; environment = 'prod'; deploymentId = 'ghost-1'; owner = 'alice'
                host = [System.Environment]::MachineName; pid = $sleeper.Id; acquired = [DateTimeOffset]::UtcNow.ToString('O')
            } | ConvertTo-Json
            Set-Content -Path "$($script:lockFile).json" -Value $holder

            $status = Get-Deployment -Path $script:config -WarningAction SilentlyContinue
            $status.Activity | Should -Be 'StaleLock'
            $status.Lock.DeploymentId | Should -Be 'ghost-1'
            $status.Lock.IsStale | Should -BeTrue

            $broken = Unlock-Deployment -Path $script:config -Confirm:$false
            $broken.DeploymentId | Should -Be 'ghost-1'
            (Get-Deployment -Path $script:config).Lock | Should -BeNullOrEmpty
            $audit = Get-Content (Join-Path $script:dir '.deployops/audit.jsonl') | ConvertFrom-Json
            ($audit | Where-Object command -eq 'Unlock-Deployment').outcome | Should -Contain 'Succeeded'
        }
        finally {
            $held.Dispose()
        }
    }

    It 'changes nothing under -WhatIf' {
        New-Item -ItemType Directory -Force -Path $script:locks | Out-Null
        $held = [System.IO.File]::Open($script:lockFile, 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            Unlock-Deployment -Path $script:config -Force -WhatIf | Should -BeNullOrEmpty
            (Get-Deployment -Path $script:config).Activity | Should -Be 'Running'
        }
        finally {
            $held.Dispose()
        }
    }
}
