#Requires -Version 7.4
# Export-DeploymentReport against a real deployment: a blue-green deployment of the demo app behind a private nginx,
# with a pre-deployment check, watched under real load (health samples recorded), then exported in all three
# formats. The HTML is rendered by headless Chromium: the screenshot must not be blank and the DOM must hold the
# key figures. The screenshot and page are copied to $env:DEPLOYOPS_TEST_ARTIFACTS (default: a temp folder that is
# kept) and their paths printed. Fails with the install command when nginx, dotnet or chromium is missing.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    . (Join-Path $PSScriptRoot 'BrowserSupport.ps1')
    Import-DeployOpsUnderTest
    Get-Chromium | Out-Null   # fail fast, naming the install command
    $script:dir = New-TestDirectory 'report'
    New-DemoAppScript -Directory $script:dir | Out-Null
    $prefix = Join-Path $script:dir 'nginx'
    New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d') -Force | Out-Null
    $bluePort = Get-FreePort; $greenPort = Get-FreePort
    @"
# deployops-backends: [{"name":"blue","host":"127.0.0.1","port":$bluePort,"weight":100},{"name":"green","host":"127.0.0.1","port":$greenPort,"weight":0}]
upstream app {
    server 127.0.0.1:$bluePort weight=100;
    server 127.0.0.1:$greenPort down;
}
"@ | Set-Content (Join-Path $prefix 'conf.d/app-upstream.conf')
    & bash (Join-Path $script:dir 'app.sh') start blue $bluePort 0.9.0   # started by hand: DeployOps records from 1.0.0 on
    Wait-Port -Port $bluePort -TimeoutSeconds 90 -LogPath (Join-Path $script:dir 'blue.out')
    $proxy = Start-TestNginx -Prefix $prefix
    $script:proxyUrl = "http://127.0.0.1:$($proxy.Port)"
    $script:config = Join-Path $script:dir 'deployops.yaml'
    # A hostile string where operators type free text: it must stay text in every format.
    $script:hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    @"
application: report-demo
environment: pester
endpoints:
  blue: http://127.0.0.1:$bluePort
checks:
  - { name: live-version, kind: http, url: "$($script:proxyUrl)/version", bodyContains: version }
health:
  minRequests: 5
  timeout: 2s
  interval: 1s
  scrape:
    targets: [blue]   # where 2.0.0 lands (1.0.0 goes to green first)
  rules:
    - { name: errorRate, for: 2s }
    - { name: latencyP95, threshold: 1500ms }
deployment:
  slots:
    blue: { host: 127.0.0.1, port: $bluePort }
    green: { host: 127.0.0.1, port: $greenPort }
  traffic:
    upstreamFile: $prefix/conf.d/app-upstream.conf
    upstreamName: app
    nginx: $($proxy.Nginx)
    nginxArguments: "-p $prefix/ -c $($proxy.Conf)"
    probeUrl: $($script:proxyUrl)/version
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop: [ { name: stop, command: "bash ./app.sh stop {slot}" } ]
    start: [ { name: start, command: "bash ./app.sh start {slot} {port} {version}" } ]
"@ | Set-Content $script:config

    (Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 1.0.0 -Confirm:$false).Outcome | Should -Be 'Succeeded'
    $script:deployment = Invoke-Deployment -Path $script:config -Strategy BlueGreen -Version 2.0.0 -ChangeTicket CHG-7 `
        -Reason $script:hostile -Confirm:$false
    $load = Start-Load $script:proxyUrl
    try { $script:decision = Watch-DeploymentHealth -Path $script:config -DeploymentId $script:deployment.Id -Duration 8s | Select-Object -Last 1 }
    finally { Stop-Load $load }

    $script:artifacts = if ($env:DEPLOYOPS_TEST_ARTIFACTS) { $env:DEPLOYOPS_TEST_ARTIFACTS } else { Join-Path ([IO.Path]::GetTempPath()) 'deployops-report-artifacts' }
    New-Item -ItemType Directory -Path $script:artifacts -Force | Out-Null
}

AfterAll { Remove-TestResources }

Describe 'Export-DeploymentReport' {
    It 'deployed and watched for real (the records the report is made from)' {
        $script:deployment.Outcome | Should -Be 'Succeeded'
        $script:deployment.PreviousVersion | Should -Be '1.0.0'
        $script:decision | Should -BeOfType ([DeployOps.Engine.Health.HealthDecision])
        (Get-Content (Join-Path $script:dir ".deployops/deployments/$($script:deployment.Id)/health-samples.jsonl")).Count | Should -BeGreaterThan 2
    }

    It 'writes the Markdown checklist to the pipeline, filled from the records, with "not recorded" for what was not' {
        $md = $script:deployment | Export-DeploymentReport
        $md | Should -BeOfType ([string])
        $md | Should -Match '\| Version \| 1\.0\.0 → 2\.0\.0 \|'
        $md | Should -Match '\| Strategy \| BlueGreen \|'
        $md | Should -Match '\| Change ticket \| CHG-7 \|'
        $md | Should -Match '- \[x\] \*\*live-version\*\* \(http'
        $md | Should -Match '\| pre-checks \| Succeeded \|'
        $md | Should -Match '\| traffic:blue \| Succeeded \|'
        $md | Should -Match 'Approvals: not recorded'
        $md | Should -Match 'Backup: not recorded'
        $md | Should -Match "Decision: $($script:decision.Verdict)"
        $md | Should -Match 'Threshold latencyP95: p95 \\> 1500 ms \(from the configuration\)'
        $md | Should -Match '## Sign-off'
        $md | Should -Not -Match '<script>'
    }

    It 'writes Json in the documented shape, atomically to -OutFile, and refuses to replace it without -Force' {
        $file = Join-Path $script:dir 'report.json'
        $out = Export-DeploymentReport -Path $script:config -Id $script:deployment.Id -Format Json -OutFile $file
        $out | Should -BeOfType ([System.IO.FileInfo])
        $out.FullName | Should -Be $file
        $json = Get-Content $file -Raw | ConvertFrom-Json
        $json.schema | Should -Be 'deployops.report/1'
        $json.deployment.version | Should -Be '2.0.0'
        $json.deployment.reason | Should -Be $script:hostile
        $json.preChecks.results[0].name | Should -Be 'live-version'
        $json.preChecks.results[0].status | Should -Be 'Passed'
        $json.health.samples.Count | Should -BeGreaterThan 2
        @($json.health.samples | Where-Object { $null -ne $_.errorRate }).Count | Should -BeGreaterThan 0
        $json.backup | Should -BeNullOrEmpty

        Export-DeploymentReport -Path $script:config -Id $script:deployment.Id -Format Json -OutFile $file -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ReportFileExists*'
        $failed[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $failed[0].TargetObject | Should -Be $file
        Export-DeploymentReport -Path $script:config -Id $script:deployment.Id -Format Markdown -OutFile $file -Force | Out-Null
        Get-Content $file -TotalCount 1 | Should -Match '^# Deployment report: report-demo/pester 2\.0\.0'
    }

    It '-WhatIf writes no file' {
        $file = Join-Path $script:dir 'whatif.html'
        Export-DeploymentReport -Path $script:config -Id $script:deployment.Id -Format Html -OutFile $file -WhatIf | Should -BeNullOrEmpty
        Test-Path $file | Should -BeFalse
    }

    It 'reports an unknown id as DeploymentNotFound naming it' {
        Export-DeploymentReport -Path $script:config -Id '20000101-000000-abcdef' -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'DeploymentNotFound*'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].Exception.Message | Should -Match '20000101-000000-abcdef'
    }

    It 'has help with examples' {
        $help = Get-Help Export-DeploymentReport -Full
        $help.Synopsis | Should -Match 'deployment checklist'
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        ($help.Parameters.Parameter | Where-Object Name -EQ 'OutFile').Description.Text | Should -Match 'atomically'
    }

    It 'renders the HTML in headless Chromium: not blank, self-contained, hostile text inert, key figures in the DOM' {
        $html = Join-Path $script:artifacts "report-$($script:deployment.Id).html"
        Get-DeploymentHistory -Path $script:config -Last 1 | Export-DeploymentReport -Format Html -OutFile $html -Force | Out-Null
        $page = Get-Content $html -Raw
        $page | Should -Not -Match '<script'
        $page | Should -Not -Match '(src|href)="(https?:)?//'
        $page | Should -Match '&lt;script&gt;alert\(2\)&lt;/script&gt;'

        $png = Join-Path $script:artifacts "report-$($script:deployment.Id).png"
        $url = [Uri]::new($html).AbsoluteUri
        Invoke-Chromium -Url $url -Directory $script:dir -Arguments "--screenshot=$png", '--window-size=1200,2000' | Out-Null
        Write-Host "HTML report screenshot: $png (page: $html)"
        $ink = Get-PngInk $png
        $ink.Width | Should -Be 1200
        $ink.NonWhite | Should -BeGreaterThan 20000 -Because 'a rendered report has text, tables and a chart'

        $dom = Invoke-Chromium -Url $url -Directory $script:dir -Arguments '--dump-dom'
        $dom | Should -Match '<span id="version">2\.0\.0</span>'
        $dom | Should -Match '<span id="previous-version">1\.0\.0</span>'
        $dom | Should -Match "id=`"decision`">Decision: <span class=`"$($script:decision.Verdict)`">"
        $dom | Should -Match '<svg[^>]*aria-label="Health samples'
        $dom | Should -Match 'class="threshold"'
        $dom | Should -Not -Match '<img'
        $json = Get-Content (Join-Path $script:dir 'report.json') -Raw -ErrorAction SilentlyContinue
        $rates = @((Export-DeploymentReport -Path $script:config -Id $script:deployment.Id -Format Json | ConvertFrom-Json).health.samples |
            Where-Object { $null -ne $_.errorRate } | ForEach-Object { [DeployOps.Engine.Health.Decision.SignalUnits]::Format('errorRate', $_.errorRate) })
        $rates.Count | Should -BeGreaterThan 0
        foreach ($rate in $rates) { $dom | Should -Match ([regex]::Escape("<td>$rate</td>")) }
    }
}
