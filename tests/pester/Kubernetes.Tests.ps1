#Requires -Version 7.4
# Kubernetes targets end to end through the staged module in a fresh pwsh: the cmdlets load KubernetesClient inside
# DeployOps' own load context and talk https to the fake API server (tests/DeployOps.FakeKubernetes, started as a
# process and stopped by PID), which answers with the API's JSON shapes, watch streams and 409 conflicts.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    . (Join-Path $PSScriptRoot 'KubernetesSupport.ps1')
    Import-DeployOpsUnderTest
    $script:k8s = Start-FakeKubernetes

    function script:New-KubernetesConfig([string] $Deployment, [string] $Extra = '') {
        $dir = New-TestDirectory 'k8s'
        Copy-Item $script:k8s.CaPath (Join-Path $dir 'ca.crt')
        Copy-Item $script:k8s.TokenPath (Join-Path $dir 'token')
        $config = Join-Path $dir 'deployops.yaml'
        Set-Content -Path $config -Value @"
application: shop
environment: pester
targets:
  cluster:
    kind: kubernetes
    server: $($script:k8s.Url)
    token: `${file:token}
    certificateAuthority: ca.crt
    namespace: $($script:k8s.Namespace)
$Extra
deployment:
$Deployment
"@
        $config
    }
    $script:blueGreen = New-KubernetesConfig @'
  strategy: blueGreen
  kubernetes:
    target: cluster
    service: "{app}"
    image: registry.local/shop:{version}
    rolloutTimeout: 1m
    scaleDownAfter: 0s
'@
    $script:rolling = New-KubernetesConfig @'
  strategy: rolling
  kubernetes:
    target: cluster
    deployment: "{app}-web"
    image: registry.local/shop:{version}
    rolloutTimeout: 1m
'@
    function script:Image([string] $Name) { (Get-FakeKubernetesObject $script:k8s deployments $Name).spec.template.spec.containers[0].image }
}

AfterAll {
    Remove-TestResources
}

Describe 'Kubernetes targets' {
    It 'validates the configuration and names the file, line and key of a problem' {
        (Test-DeploymentConfig -Path $script:blueGreen).Application | Should -Be 'shop'
        $bad = New-KubernetesConfig @'
  strategy: canary
  kubernetes:
    target: nowhere
    image: registry.local/shop:{version}
'@
        Test-DeploymentConfig -Path $bad -ErrorAction SilentlyContinue -ErrorVariable problems | Out-Null
        $text = ($problems | ForEach-Object { $_.Exception.Message }) -join "`n"
        $text | Should -Match ([regex]::Escape("deployops.yaml:14:13: deployment.kubernetes.target: 'nowhere' is not a target of kind kubernetes"))
        $text | Should -Match 'Canary is not supported on Kubernetes'
    }

    It 'plans blue-green under -WhatIf without writing to the cluster' {
        $plan = @(Invoke-Deployment -Path $script:blueGreen -Version 2.0 -WhatIf)
        # The cmdlet's standard hooks (backup, maintenance) wrap the strategy's phases as for every target.
        $plan.Phase | Should -Be @('before-deploy', 'rollout:green', 'verify:green', 'traffic:green', 'scale-down:blue', 'after-deploy')
        $plan[3].MovesTraffic | Should -BeTrue
        $plan[3].Action | Should -BeLike '*selector version=green*'
        (Get-FakeKubernetesRequests $script:k8s) | Where-Object { $_ -like 'PUT *' } | Should -BeNullOrEmpty
    }

    It 'deploys blue-green: new colour rolled out, selector switched, old colour scaled to 0' {
        $record = Invoke-Deployment -Path $script:blueGreen -Version 2.0 -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded'
        $record.Phases.Name | Should -Be @('before-deploy', 'rollout:green', 'verify:green', 'traffic:green', 'scale-down:blue', 'after-deploy')
        (Get-FakeKubernetesObject $script:k8s services shop).spec.selector.version | Should -Be 'green'
        Image 'shop-green' | Should -Be 'registry.local/shop:2.0'
        (Get-FakeKubernetesObject $script:k8s deployments shop-blue).spec.replicas | Should -Be 0
        (Get-Deployment -Path $script:blueGreen -Id $record.Id).Outcome | Should -Be 'Succeeded'
    }

    It 'rolls back blue-green with Invoke-Rollback: the old colour scaled up and selected again' {
        $second = Invoke-Deployment -Path $script:blueGreen -Version 3.0 -Confirm:$false
        $second.Outcome | Should -Be 'Succeeded'
        (Get-FakeKubernetesObject $script:k8s services shop).spec.selector.version | Should -Be 'blue'
        $result = Invoke-Rollback -Path $script:blueGreen -Reason 'pester' -Confirm:$false
        $result.Status | Should -Be 'Succeeded'
        $result.ToVersion | Should -Be '2.0'
        (Get-FakeKubernetesObject $script:k8s services shop).spec.selector.version | Should -Be 'green'
        (Get-FakeKubernetesObject $script:k8s deployments shop-green).spec.replicas | Should -Be 2
        (Get-FakeKubernetesObject $script:k8s deployments shop-blue).spec.replicas | Should -Be 0
    }

    It 'retries a rolling update through 409 conflicts' {
        Set-FakeKubernetesConflicts $script:k8s 2
        $record = Invoke-Deployment -Path $script:rolling -Version 2.0 -Confirm:$false -Verbose 4>&1 |
            Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $record.Outcome | Should -Be 'Succeeded'
        Image 'shop-web' | Should -Be 'registry.local/shop:2.0'
        @((Get-FakeKubernetesRequests $script:k8s) | Where-Object { $_ -eq 'PUT /apis/apps/v1/namespaces/prod/deployments/shop-web' }).Count | Should -Be 3
    }

    It 'undoes a rolling update that never becomes ready and reports ProgressDeadlineExceeded' {
        $record = Invoke-Deployment -Path $script:rolling -Version 3.0-broken -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failed
        $record.Outcome | Should -Be 'RolledBack'
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'KubernetesRolloutFailed*'
        $failed[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $failed[0].Exception.Message | Should -BeLike '*ProgressDeadlineExceeded*'
        Image 'shop-web' | Should -Be 'registry.local/shop:2.0'
    }

    It 'refuses an API server whose certificate is not signed by the configured CA' {
        $config = New-KubernetesConfig @'
  strategy: rolling
  kubernetes:
    target: cluster
    deployment: "{app}-web"
    image: registry.local/shop:{version}
'@
        # Any other CA: the fake's certificate does not chain to it.
        $other = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=other CA',
            [System.Security.Cryptography.ECDsa]::Create(), [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $cert = $other.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30))
        Set-Content -Path (Join-Path (Split-Path $config) 'ca.crt') -Value $cert.ExportCertificatePem()
        $record = Invoke-Deployment -Path $config -Version 9.9 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failed
        $record.Outcome | Should -Be 'Failed'
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'KubernetesTlsRejected*'
        Image 'shop-web' | Should -Be 'registry.local/shop:2.0'
    }
}
