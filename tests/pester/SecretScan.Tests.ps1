#Requires -Version 7.4
# Planted secrets stay secret through a whole deploy → watch → rollback run in real pwsh against the staged module:
# a PostgreSQL password and a Redis password behind ${env:}, a ${file:} header token, an ${env:} API key header and a
# SECRET_KEY a step prints. The run happens in a child pwsh under umask 000 with -Verbose, every stream captured;
# then every file under the state directory, audit log, logs, incidents and backups, and every stream record, is
# scanned for the values (0 hits), and every folder/file DeployOps created there must be 0700/0600.
# The start step writes its own environment to child-env/ each time it runs (deploy 1.0.0, 2.0.0, the rollback's
# 1.0.0): no value may be there either (pg_dump's and the command check's environments: ChildSecretsTests).
# Notifications go to a real webhook + SMTP receiver (their URL and SMTP password are secrets too) and to an
# unreachable webhook (its failures are warnings/errors): no payload or mail may carry a secret either.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:pwsh = Get-PwshPath

    $suffix = [guid]::NewGuid().ToString('N')
    $script:secrets = [ordered]@{
        SCAN_PG_PASSWORD    = "scanpg-$($suffix.Substring(0, 12))"
        SCAN_REDIS_PASSWORD = "scanredis-$($suffix.Substring(4, 12))"
        SCAN_SECRET_KEY     = "scankey-$suffix"
        SCAN_API_KEY        = "scanapi-$($suffix.Substring(8, 16))"
        FILE_HEADER_TOKEN   = "scanfile-$($suffix.Substring(2, 14))"
        SCAN_SMTP_PASSWORD  = "scansmtp-$($suffix.Substring(6, 14))"
    }
    $script:dir = New-TestDirectory 'secretscan'
    $script:receiver = Start-NotificationReceiver -Directory $script:dir
    $script:secrets.SCAN_HOOK_URL = "$($script:receiver.Url)/hook/scanhook-$($suffix.Substring(3, 12))"
    $script:secrets.SCAN_DEAD_HOOK = "http://127.0.0.1:$(Get-FreePort)/dead/scandead-$($suffix.Substring(5, 12))"

    $script:secretVariables = 'SCAN_PG_PASSWORD', 'SCAN_REDIS_PASSWORD', 'SCAN_SECRET_KEY', 'SCAN_API_KEY', 'SCAN_SMTP_PASSWORD', 'SCAN_HOOK_URL', 'SCAN_DEAD_HOOK'
    $script:pg = Start-TestPostgres -Password $script:secrets.SCAN_PG_PASSWORD
    Invoke-TestSql $script:pg 'CREATE DATABASE shop' | Out-Null
    Invoke-TestSql $script:pg 'CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, ''a''), (2, ''b'')' -Database shop | Out-Null
    $script:redis = Start-TestRedis
    & $script:redis.Cli -p $script:redis.Port CONFIG SET requirepass $script:secrets.SCAN_REDIS_PASSWORD | Out-Null

    New-DemoAppScript -Directory $script:dir | Out-Null
    Set-Content -Path (Join-Path $script:dir 'header-token') -Value $script:secrets.FILE_HEADER_TOKEN -NoNewline
    $port = Get-FreePort
    $script:roots = [ordered]@{
        state     = Join-Path $script:dir 'state'
        logs      = Join-Path $script:dir 'private/logs'
        incidents = Join-Path $script:dir 'private/incidents'
        backups   = Join-Path $script:dir 'private/backups'
    }
    $script:config = Join-Path $script:dir 'deployops.yaml'
    @"
application: shop
environment: scan
state:
  directory: ./state
postgres:
  host: 127.0.0.1
  port: $($script:pg.Port)
  database: shop
  username: $($script:pg.User)
  password: `${env:SCAN_PG_PASSWORD}
redis:
  endpoint: 127.0.0.1:$($script:redis.Port)
  password: `${env:SCAN_REDIS_PASSWORD}
endpoints:
  app: http://127.0.0.1:$port
backup:
  directory: ./private/backups
  commandTimeout: 60s
checks:
  - name: keys
    kind: secrets
    variables: [SCAN_SECRET_KEY, SCAN_API_KEY]
  - name: api
    kind: http
    endpoint: app
    path: /health
    headers:
      Authorization: Bearer `${file:./header-token}
      X-Api-Key: `${env:SCAN_API_KEY}
  - name: cache
    kind: redis
  - name: db
    kind: postgres
health:
  minRequests: 5
  timeout: 2s
  interval: 500ms
  redis: true
  scrape:
    targets: [app]
  probes: [app]
  rules:
    - { name: errorRate, for: 1s }
rollback:
  incidentDirectory: ./private/incidents
notifications:
  timeout: 5s
  retries: 1
  retryDelay: 100ms
  targets:
    - name: hook
      type: webhook
      url: `${env:SCAN_HOOK_URL}
    - name: chat
      type: slack
      url: `${env:SCAN_HOOK_URL}
    - name: dead
      type: teams
      url: `${env:SCAN_DEAD_HOOK}
    - name: mail
      type: email
      from: deployops@example.com
      to: [oncall@example.com]
      smtp:
        host: 127.0.0.1
        port: $($script:receiver.SmtpPort)
        security: none
        username: deployops
        password: `${env:SCAN_SMTP_PASSWORD}
deployment:
  logDirectory: ./private/logs
  backup: always
  instances:
    - { name: web1, host: 127.0.0.1, port: $port }
  readiness: { timeout: 90s, interval: 200ms }
  steps:
    stop:
      - { name: stop, command: "bash ./app.sh stop web1" }
    start:
      - { name: start, command: "bash ./app.sh start web1 {port} {version}" }
      - { name: environment, command: "mkdir -p child-env && env > child-env/start-{version}-`$RANDOM.txt" }
    smoke:
      - { name: key in use, command: "echo using `${env:SCAN_SECRET_KEY}. and api `${env:SCAN_API_KEY}" }
"@ | Set-Content $script:config

    # The whole run, in a child pwsh under umask 000: every record of every stream is written out as text, objects
    # both as Format-List and as JSON (the renderings a user sees and pipes on).
    $script:scenario = Join-Path $script:dir 'scenario.ps1'
    @'
param([string] $Config, [string] $StreamsFile)
Import-Module $env:DEPLOYOPS_MODULE_PATH -Force -ErrorAction Stop
$WarningPreference = 'Continue'; $InformationPreference = 'Continue'
function Show($r) {
    $stream = switch ($r) {
        { $_ -is [System.Management.Automation.ErrorRecord] } { 'error'; break }
        { $_ -is [System.Management.Automation.WarningRecord] } { 'warning'; break }
        { $_ -is [System.Management.Automation.VerboseRecord] } { 'verbose'; break }
        { $_ -is [System.Management.Automation.InformationRecord] } { 'information'; break }
        { $_ -is [System.Management.Automation.DebugRecord] } { 'debug'; break }
        default { 'output' }
    }
    $text = if ($r -is [System.Management.Automation.ErrorRecord]) {
        "$($r.FullyQualifiedErrorId) | $($r.Exception.Message) | $($r.TargetObject) | $($r.ErrorDetails) | $($r.CategoryInfo)"
    } elseif ($stream -eq 'output' -and $r -isnot [string]) {
        ($r | Format-List * | Out-String -Width 400) + ($r | ConvertTo-Json -Depth 6 -WarningAction SilentlyContinue)
    } else { "$r" }
    [pscustomobject]@{ Stream = $stream; Text = $text }
}
$all = & {
    Test-DeploymentConfig -Path $Config -TestNotifications
    Send-DeploymentNotification -Path $Config -Message "key in use: $env:SCAN_SECRET_KEY" -Confirm:$false
    Test-PreDeployment -Path $Config -Verbose
    Invoke-Deployment -Path $Config -Version 1.0.0 -Strategy Hotfix -Confirm:$false -Verbose
    Invoke-Deployment -Path $Config -Version 2.0.0 -Strategy Hotfix -Confirm:$false -Verbose
    Watch-DeploymentHealth -Path $Config -Duration 3s -Interval 500ms -Verbose
    Invoke-Rollback -Path $Config -Confirm:$false -Reason 'secret scan' -Verbose
    Unlock-Deployment -Path $Config -Confirm:$false -Verbose
} *>&1 | ForEach-Object { Show $_ }
$all | ConvertTo-Json -Depth 3 | Set-Content -Path $StreamsFile
'@ | Set-Content $script:scenario

    # The application runs before the first deployment (the http pre-check reads it), as on a real host.
    & bash (Join-Path $script:dir 'app.sh') start web1 $port 0.9.0
    Wait-Port -Port $port -TimeoutSeconds 90 -LogPath (Join-Path $script:dir 'web1.out')

    $script:streamsFile = Join-Path $script:dir 'streams.json'
    # The child inherits them; this process needs them too, to read the history of the configuration afterwards.
    foreach ($name in $script:secretVariables) { Set-Item -Path "Env:$name" -Value $script:secrets[$name] }
    try {
        # umask is per process: only the child runs with 000, so every mode below is the one DeployOps asked for.
        $umask = Join-Path $script:dir 'umask000.sh'
        Set-Content -Path $umask -Value "umask 000`nexec `"`$@`""
        $p = Start-Process -FilePath bash -PassThru -WorkingDirectory $script:dir `
            -ArgumentList $umask, $script:pwsh, '-NoProfile', '-NonInteractive', '-File', $script:scenario, $script:config, $script:streamsFile `
            -RedirectStandardOutput (Join-Path $script:dir 'child.out') -RedirectStandardError (Join-Path $script:dir 'child.err')
        Register-TestProcess -Process $p -Name 'secret-scan scenario'
        if (-not $p.WaitForExit(300000)) { Stop-TestProcess -Process $p; throw 'the scenario did not finish within 300 s' }
        $p.WaitForExit()
    }
    finally {
        $script:childOutput = (Get-Content (Join-Path $script:dir 'child.out') -Raw) + (Get-Content (Join-Path $script:dir 'child.err') -Raw)
    }
    $script:records = if (Test-Path $script:streamsFile) { @(Get-Content $script:streamsFile -Raw | ConvertFrom-Json) } else { @() }

    # Which secret (by name, never by value) occurs in a text.
    function script:Find-Secrets([string] $Text) {
        foreach ($entry in $script:secrets.GetEnumerator()) {
            if ($Text.Contains($entry.Value, [StringComparison]::Ordinal)) { $entry.Key }
        }
    }
}

AfterAll {
    foreach ($name in $script:secretVariables) { Remove-Item "Env:$name" -ErrorAction SilentlyContinue }
    Remove-TestResources
}

Describe 'Secret scan of a deploy → watch → rollback run' {
    It 'finds no secret value in any notification payload or mail, and the dead target failed visibly' {
        $received = @(Read-NotificationReceiver $script:receiver)
        $events = @($received | Where-Object kind -eq 'http' | ForEach-Object { ($_.item.Body | ConvertFrom-Json).event } | Where-Object { $_ })
        $events | Should -Contain 'deploymentStarted'
        $events | Should -Contain 'rollbackFinished'
        @($received | Where-Object kind -eq 'smtp').Count | Should -BeGreaterThan 3
        # What was sent (bodies and mails), not how: the URL path and the SMTP login are the secrets' legitimate use.
        $hits = @(foreach ($r in $received) { foreach ($name in (Find-Secrets "$($r.item.Body)$($r.item.Data)")) { "$($r.kind): $name" } })
        Write-Host "payloads scanned: $($received.Count), hits: $($hits.Count)"
        $hits | Should -BeNullOrEmpty
        ($received | Where-Object kind -eq 'http' | Where-Object { $_.item.Body -like '*key in use: `*`*`**' }) | Should -Not -BeNullOrEmpty
        $warnings = ($script:records | Where-Object Stream -EQ 'warning').Text -join "`n"
        $warnings | Should -Match 'to dead \(Teams\) was not delivered after 2 attempt'
        ($script:records | Where-Object Stream -EQ 'error').Text -join "`n" | Should -Match 'NotificationNotDelivered'
    }

    It 'ran the whole scenario (deployments, watch, rollback) and captured every stream' {
        $script:records.Count | Should -BeGreaterThan 0 -Because $script:childOutput
        $streams = $script:records | Group-Object Stream -NoElement | ForEach-Object { "$($_.Name)=$($_.Count)" }
        Write-Host "stream records: $($script:records.Count) ($($streams -join ', '))"
        @($script:records | Where-Object Stream -EQ 'verbose').Count | Should -BeGreaterThan 0
        $errors = ($script:records | Where-Object Stream -EQ 'error').Text -join "`n"
        $history = @(Get-DeploymentHistory -Path $script:config)
        ($history | Where-Object Version -EQ '1.0.0').Error | Should -BeNullOrEmpty -Because $errors
        ($history | Where-Object Version -EQ '2.0.0').Outcome | Should -Be 'RolledBack' -Because $errors
        ($history | Where-Object Version -EQ '1.0.0').Outcome | Should -Be 'Succeeded'
        @(Get-ChildItem $script:roots.backups -Filter *.dump).Count | Should -BeGreaterThan 0
        @(Get-ChildItem $script:roots.incidents -Directory).Count | Should -Be 1
        @(Get-ChildItem $script:roots.logs -File).Count | Should -BeGreaterThan 0
        # The step printed the key: the deployment log has the line, masked as a whole word.
        (Get-ChildItem $script:roots.logs -File | Get-Content -Raw) -join "`n" | Should -Match 'using \*\*\*\. and api \*\*\*'
    }

    It 'finds no secret value in the environment of the steps it ran' {
        $envFiles = @(Get-ChildItem (Join-Path $script:dir 'child-env') -File)
        $envFiles.Count | Should -BeGreaterOrEqual 3 -Because 'the start step ran for 1.0.0, 2.0.0 and the rollback'
        $hits = @(foreach ($file in $envFiles) {
            $text = Get-Content $file.FullName -Raw
            $text | Should -Match '(?m)^PATH=' -Because 'the file is a real environment dump'
            foreach ($name in (Find-Secrets $text)) { "$($file.Name): $name" }
            foreach ($name in $script:secretVariables) { if ($text -match "(?m)^$name=") { "$($file.Name): variable $name" } }
        })
        Write-Host "child environments scanned: $($envFiles.Count), hits: $($hits.Count)"
        $hits | Should -BeNullOrEmpty
    }

    It 'finds no secret value in any file under the state directory, audit, logs, incidents or backups' {
        $files = @($script:roots.Values | ForEach-Object { Get-ChildItem $_ -Recurse -File -Force })
        $bytes = 0; $hits = @()
        foreach ($file in $files) {
            $raw = [IO.File]::ReadAllBytes($file.FullName)
            $bytes += $raw.Length
            # Latin1 maps every byte to one char: a secret is found in a binary dump as well as in text.
            $text = [Text.Encoding]::Latin1.GetString($raw)
            foreach ($name in (Find-Secrets $text)) { $hits += "$($file.FullName): $name" }
        }
        Write-Host "files scanned: $($files.Count), bytes: $bytes, hits: $($hits.Count)"
        $files.Count | Should -BeGreaterThan 10
        $files.FullName | Should -Contain (Join-Path $script:roots.state 'audit.jsonl')
        $hits | Should -BeNullOrEmpty
    }

    It 'finds no secret value in any stream record or in the child''s own output' {
        $hits = @()
        foreach ($record in $script:records) { foreach ($name in (Find-Secrets $record.Text)) { $hits += "$($record.Stream): $name" } }
        foreach ($name in (Find-Secrets $script:childOutput)) { $hits += "host output: $name" }
        Write-Host "stream records scanned: $($script:records.Count), hits: $($hits.Count)"
        $hits | Should -BeNullOrEmpty
    }

    It 'audited the Unlock-Deployment that found no lock (outcome LockNotHeld)' {
        $lines = Get-Content (Join-Path $script:roots.state 'audit.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } |
            Where-Object { $_.command -eq 'Unlock-Deployment' }
        @($lines).Count | Should -Be 1
        $lines.outcome | Should -Be 'LockNotHeld'
    }

    It 'shows a URL password masked in every rendering of the configuration and refuses a literal one at file:line' {
        $dir = New-TestDirectory 'urlpass'
        $config = Join-Path $dir 'deployops.yaml'
        Set-Content $config "application: shop`nenvironment: scan`nendpoints:`n  admin: http://ops:`${env:SCAN_API_KEY}@127.0.0.1:9/x`n"
        $view = Test-DeploymentConfig -Path $config
        $view.Endpoints['admin'] | Should -Be 'http://ops:***@127.0.0.1:9/x'
        $renderings = @(($view | Format-List * | Out-String -Width 400), ($view | Format-List | Out-String -Width 400), ($view | ConvertTo-Json -Depth 4))
        $renderings[1] | Should -Match 'admin http://ops:\*\*\*@127\.0\.0\.1:9/x'
        foreach ($text in $renderings) { Find-Secrets $text | Should -BeNullOrEmpty }

        Set-Content $config "application: shop`nenvironment: scan`nendpoints:`n  admin: http://ops:LiteralUrlPass99@127.0.0.1:9/x`n"
        Test-DeploymentConfig -Path $config -ErrorVariable problems -ErrorAction SilentlyContinue | Out-Null
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigInvalid*'
        "$($problems[0])" | Should -Match ([regex]::Escape("$($config):4:") + '.*endpoints\.admin.*literal password')
        "$($problems[0])" | Should -Not -Match 'LiteralUrlPass99'
    }

    It 'created every folder 0700 and every file 0600 under umask 000, the ones outside the state directory too' {
        $wrong = @()
        $checked = 0
        foreach ($root in $script:roots.Values) {
            foreach ($item in @(Get-Item $root) + @(Get-ChildItem $root -Recurse -Force)) {
                $checked++
                $mode = [IO.File]::GetUnixFileMode($item.FullName)
                $expected = if ($item.PSIsContainer) { [IO.UnixFileMode]'UserRead, UserWrite, UserExecute' } else { [IO.UnixFileMode]'UserRead, UserWrite' }
                if ($mode -ne $expected) { $wrong += "$($item.FullName) is $mode" }
            }
        }
        Write-Host "modes checked: $checked, wrong: $($wrong.Count)"
        $wrong | Should -BeNullOrEmpty
        # The parent created on the way to the configured folders leads to the data: private too.
        [IO.File]::GetUnixFileMode((Join-Path $script:dir 'private')) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
    }
}
