# The fake Kubernetes API server (tests/DeployOps.FakeKubernetes) as a process, for Kubernetes.Tests.ps1.
# Dot-source after TestSupport.ps1.

function Get-FakeKubernetesDll {
    <# DEPLOYOPS_FAKEK8S_DLL when set; otherwise builds tests/DeployOps.FakeKubernetes into a temp folder (registered for cleanup). #>
    if ($env:DEPLOYOPS_FAKEK8S_DLL) {
        if (-not (Test-Path $env:DEPLOYOPS_FAKEK8S_DLL)) { throw "DEPLOYOPS_FAKEK8S_DLL=$($env:DEPLOYOPS_FAKEK8S_DLL) does not exist" }
        return (Resolve-Path $env:DEPLOYOPS_FAKEK8S_DLL).Path
    }
    $dotnet = Get-RequiredProgram -Candidates dotnet -Install 'the .NET SDK (https://dot.net/install), or set DEPLOYOPS_FAKEK8S_DLL to a built DeployOps.FakeKubernetes.dll'
    $tmp = New-TestDirectory 'fakek8s-build'
    $project = Join-Path (Get-RepositoryRoot) 'tests/DeployOps.FakeKubernetes/DeployOps.FakeKubernetes.csproj'
    $log = & $dotnet build $project -c Release -o (Join-Path $tmp 'out') --artifacts-path (Join-Path $tmp 'artifacts') --nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) { throw "building $project failed:`n$($log -join "`n")" }
    Join-Path $tmp 'out/DeployOps.FakeKubernetes.dll'
}

function Start-FakeKubernetes {
    <#
      Starts the fake API server on a free loopback port (https, its own CA, a bearer token), seeded with Service shop
      selecting version=blue, Deployments shop-blue (2 replicas) and shop-green (0), and shop-web (rolling, 3 replicas),
      all running registry.local/shop:1.0. Returns Process, Url, CaPath, TokenPath, Directory. Stopped by PID in AfterAll.
    #>
    param([string] $Namespace = 'prod')
    $dll = Get-FakeKubernetesDll
    $dir = New-TestDirectory 'fakek8s'
    $token = Join-Path $dir 'token'
    Set-Content -Path $token -Value ('pester-' + [guid]::NewGuid().ToString('N')) -NoNewline
    $ca = Join-Path $dir 'ca.crt'
    $dotnet = Get-RequiredProgram -Candidates dotnet -Install 'the .NET runtime (https://dot.net/install)'
    $process = Start-TestProcess -FilePath $dotnet -Directory $dir -Name 'fakek8s' `
        -ArgumentList @("`"$dll`"", '--token-file', "`"$token`"", '--ca-out', "`"$ca`"", '--namespace', $Namespace, '--exit-with-pid', $PID)
    $out = Join-Path $dir 'fakek8s.out'
    Wait-Until -TimeoutSeconds 90 -Because "the fake Kubernetes API server to listen ($out)" -Condition {
        if ($process.HasExited) { throw "the fake Kubernetes API server exited: $(Get-Content (Join-Path $dir 'fakek8s.err') -Raw)" }
        (Test-Path $out) -and (Get-Content $out -Raw) -match 'listening https://'
    }
    $url = ((Get-Content $out | Where-Object { $_ -like 'listening *' } | Select-Object -First 1) -split ' ')[1]
    [pscustomobject]@{ Process = $process; Url = $url; CaPath = $ca; TokenPath = $token; Directory = $dir; Namespace = $Namespace }
}

function Get-FakeKubernetesObject($Server, [string] $Kind, [string] $Name) {
    <# The object as the fake server holds it (its /_fake/ test endpoint; the certificate is the fake's own CA). #>
    Invoke-RestMethod -Uri "$($Server.Url)/_fake/objects/$Kind/$($Server.Namespace)/$Name" -SkipCertificateCheck
}

function Get-FakeKubernetesRequests($Server) {
    @((Invoke-RestMethod -Uri "$($Server.Url)/_fake/requests" -SkipCertificateCheck) -split "`n")
}

function Set-FakeKubernetesConflicts($Server, [int] $Count) {
    Invoke-RestMethod -Method Post -Uri "$($Server.Url)/_fake/conflicts/$Count" -SkipCertificateCheck | Out-Null
}
