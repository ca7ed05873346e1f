#Requires -Version 7.4
# Remove-DeploymentHistory against the embedded file store, with history made by real Invoke-Deployment runs (hotfix,
# one instance answered by a loopback listener, a shell step). Refusals of a running deployment, both stores and the
# audit are covered by the engine tests (tests/DeployOps.Engine.Tests/State/RemoveHistoryCommandTests.cs and
# DeploymentStoreContract.History.cs). Needs nothing installed.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest

    $script:appPort = Get-FreePort
    $script:app = Start-ThreadJob -ArgumentList $script:appPort -ScriptBlock {
        param($port)
        $http = [System.Net.HttpListener]::new()
        $http.Prefixes.Add("http://127.0.0.1:$port/")
        $http.Start()
        # Waits in short slices so Remove-Job can end the job between them (a blocking GetContext never returns).
        while ($true) {
            $next = $http.GetContextAsync()
            while (-not $next.Wait(200)) { }
            $next.Result.Response.StatusCode = 200; $next.Result.Response.Close()
        }
    }
    Wait-Port -Port $script:appPort -TimeoutSeconds 30

    # A fresh application with three real deployments: 1.0.0 and 2.0.0 succeed, 3.0.0 fails in its step.
    function script:New-DeployedApp {
        $dir = New-TestDirectory 'history'
        $path = Join-Path $dir 'deployops.yaml'
        @"
application: shop
environment: pester
deployment:
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:appPort) }
  readiness: { timeout: 10s, interval: 100ms }
  steps:
    start:
      - name: install version
        command: test {version} != 3.0.0 && echo {version} > current-version
"@ | Set-Content -Path $path
        $records = foreach ($version in '1.0.0', '2.0.0', '3.0.0') {
            Invoke-Deployment -Path $path -Version $version -Strategy Hotfix -Confirm:$false -ErrorAction SilentlyContinue
        }
        [pscustomobject]@{ Path = $path; Dir = $dir; History = @(Get-DeploymentHistory -Path $path) }
    }
}

AfterAll {
    if ($script:app) { Remove-Job $script:app -Force -ErrorAction SilentlyContinue }
    Remove-TestResources
}

Describe 'Remove-DeploymentHistory' {
    It 'is exported with help, ShouldProcess at ConfirmImpact High and its output type' {
        $command = Get-Command Remove-DeploymentHistory -Module DeployOps
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
        $command.Parameters['Id'].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName |
            Should -Not -Contain $false
        $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
            Should -Be 'High'
        $command.OutputType.Type.FullName | Should -Contain 'DeployOps.Engine.State.DeploymentRecord'
        $help = Get-Help Remove-DeploymentHistory -Full
        $help.Synopsis | Should -BeLike '*Removes one deployment from the history*'
        ($help.parameters.parameter | Where-Object name -eq 'Force').description.Text | Should -BeLike '*live deployment*'
    }

    It 'lists what would go under -WhatIf and changes nothing' {
        $app = New-DeployedApp
        $app.History.Count | Should -Be 3
        $failed = $app.History | Where-Object Version -eq '3.0.0'
        $failed.Outcome | Should -Be 'Failed'
        # "What if:" goes to the host, not to a stream: read it from a fresh pwsh's stdout.
        $script = "Import-Module '$($env:DEPLOYOPS_MODULE_PATH)'; Remove-DeploymentHistory -Path '$($app.Path)' -Id '$($failed.Id)' -WhatIf"
        $out = & (Get-PwshPath) -NoProfile -NonInteractive -Command $script | Out-String
        $LASTEXITCODE | Should -Be 0
        $out | Should -BeLike '*What if*'
        $out | Should -BeLike "*$($failed.Id)*"
        $out | Should -BeLike '*journal.jsonl*'
        @(Get-DeploymentHistory -Path $app.Path).Count | Should -Be 3
    }

    It 'removes an entry, writes its record and audits it' {
        $app = New-DeployedApp
        $old = $app.History | Where-Object Version -eq '1.0.0'
        $removed = Remove-DeploymentHistory -Path $app.Path -Id $old.Id -Confirm:$false
        $removed.Id | Should -Be $old.Id
        $removed | Should -BeOfType ([DeployOps.Engine.State.DeploymentRecord])
        (Get-DeploymentHistory -Path $app.Path).Version | Should -Not -Contain '1.0.0'
        { Get-Deployment -Path $app.Path -Id $old.Id -ErrorAction Stop } | Should -Throw -ErrorId 'DeploymentNotFound*'
        $audit = Get-Content (Join-Path $app.Dir '.deployops/audit.jsonl') | ConvertFrom-Json |
            Where-Object command -eq 'Remove-DeploymentHistory'
        $audit.outcome | Should -Be 'Succeeded'
        $audit.deploymentId | Should -Be $old.Id
    }

    It 'takes records piped from Get-DeploymentHistory by property name, from another directory' {
        $app = New-DeployedApp
        Push-Location ([IO.Path]::GetTempPath())   # no deployops.yaml here: ConfigPath of the records selects it
        try {
            $removed = @(Get-DeploymentHistory -Path $app.Path -Status Failed | Remove-DeploymentHistory -Confirm:$false)
        }
        finally { Pop-Location }
        $removed.Version | Should -Be '3.0.0'
        (Get-DeploymentHistory -Path $app.Path).Version | Should -Be @('2.0.0', '1.0.0')
    }

    It 'refuses the live deployment without -Force (DeploymentIsLive) and removes it with -Force' {
        $app = New-DeployedApp
        $live = $app.History | Where-Object Version -eq '2.0.0'
        { Remove-DeploymentHistory -Path $app.Path -Id $live.Id -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'DeploymentIsLive*'
        $Error[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        (Get-DeploymentHistory -Path $app.Path).Id | Should -Contain $live.Id
        (Remove-DeploymentHistory -Path $app.Path -Id $live.Id -Force -Confirm:$false).Id | Should -Be $live.Id
        (Get-DeploymentHistory -Path $app.Path).Id | Should -Not -Contain $live.Id
    }

    It 'reports an unknown id as DeploymentNotFound naming it' {
        $app = New-DeployedApp
        Remove-DeploymentHistory -Path $app.Path -Id '20000101-000000-abcdef' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable problems |
            Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DeploymentNotFound*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject | Should -Be '20000101-000000-abcdef'
        @(Get-DeploymentHistory -Path $app.Path).Count | Should -Be 3
    }
}
