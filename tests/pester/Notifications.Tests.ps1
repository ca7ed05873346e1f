#Requires -Version 7.4
# Notifications in real pwsh against the staged module: Test-DeploymentConfig -TestNotifications and
# Send-DeploymentNotification deliver to a real HTTP webhook receiver (slack, mattermost, teams, generic) and a small
# SMTP server (tests/pester/fixtures/NotificationReceiver.ps1); a deployment's events arrive; an unreachable
# target is a warning for a deployment and a NotificationNotDelivered error for an ad-hoc message, with the secret
# URL and SMTP password nowhere in any stream or in the audit log. MailKit loads in DeployOps' own load context.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-DeployOpsUnderTest
    $script:dir = New-TestDirectory 'notify'
    $script:receiver = Start-NotificationReceiver -Directory $script:dir
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 10)
    $script:secrets = @{
        NOTIFY_SLACK      = "$($script:receiver.Url)/services/T0/B0/slack$suffix"
        NOTIFY_MATTERMOST = "$($script:receiver.Url)/hooks/mm$suffix"
        NOTIFY_TEAMS      = "$($script:receiver.Url)/webhookb2/teams$suffix"
        NOTIFY_GENERIC    = "$($script:receiver.Url)/generic/gen$suffix"
        NOTIFY_SMTP_PASS  = "smtppass-$suffix"
    }
    foreach ($k in $script:secrets.Keys) { [Environment]::SetEnvironmentVariable($k, $script:secrets[$k]) }
    # The instance the hotfix deploys to: a static server answering its readiness path.
    $www = Join-Path $script:dir 'www'
    New-Item -ItemType Directory $www | Out-Null
    Set-Content (Join-Path $www 'health') 'ok'
    $script:app = Start-StaticHttpServer -Root $www
    $deadPort = Get-FreePort
    [Environment]::SetEnvironmentVariable('NOTIFY_DEAD', "http://127.0.0.1:$deadPort/dead/dead$suffix")

    $targets = @"
  targets:
    - name: slack
      type: slack
      url: `${env:NOTIFY_SLACK}
    - name: mattermost
      type: mattermost
      url: `${env:NOTIFY_MATTERMOST}
    - name: teams
      type: teams
      url: `${env:NOTIFY_TEAMS}
      minSeverity: critical
    - name: generic
      type: webhook
      url: `${env:NOTIFY_GENERIC}
      events: [deploymentStarted, deploymentSucceeded, maintenanceOn]
    - name: mail
      type: email
      from: deployops@example.com
      to: [oncall@example.com]
      smtp:
        host: 127.0.0.1
        port: $($script:receiver.SmtpPort)
        security: none
        username: deployops
        password: `${env:NOTIFY_SMTP_PASS}
"@
    $script:config = Join-Path $script:dir 'deployops.yaml'
    @"
application: shop
environment: production
state:
  directory: ./state
maintenance:
  flagFile:
    path: MAINTENANCE_MODE
deployment:
  strategy: hotfix
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:app.Port) }
  readiness: { timeout: 30s, interval: 200ms }
  steps:
    start: [ { name: start, command: "echo started {version}" } ]
notifications:
  dashboardUrl: https://grafana.example.com/d/shop
  timeout: 5s
  retries: 1
  retryDelay: 200ms
$targets
"@ | Set-Content $script:config

    $script:deadDir = Join-Path $script:dir 'dead'
    New-Item -ItemType Directory $script:deadDir | Out-Null
    $script:deadConfig = Join-Path $script:deadDir 'deployops.yaml'
    @"
application: shop
environment: dead
state:
  directory: ./state
deployment:
  strategy: hotfix
  instances:
    - { name: web1, host: 127.0.0.1, port: $($script:app.Port) }
  readiness: { timeout: 30s, interval: 200ms }
  steps:
    start: [ { name: start, command: "echo started {version}" } ]
notifications:
  timeout: 2s
  retries: 1
  retryDelay: 100ms
  targets:
    - name: dead
      type: webhook
      url: `${env:NOTIFY_DEAD}
"@ | Set-Content $script:deadConfig

    # The same application with change control: a ticket and a reason are required.
    $script:ticketDir = Join-Path $script:dir 'ticket'
    New-Item -ItemType Directory $script:ticketDir | Out-Null
    $script:ticketConfig = Join-Path $script:ticketDir 'deployops.yaml'
    (Get-Content $script:config -Raw).Replace('environment: production', "environment: ticketed`nchangeControl:`n  requireChangeTicket: true`n  requireReason: true") |
        Set-Content $script:ticketConfig

    function script:Received([string] $PathLike) {
        @(Read-NotificationReceiver $script:receiver | Where-Object { $_.kind -eq 'http' -and $_.item.Path -like $PathLike })
    }
    function script:Mails { @(Read-NotificationReceiver $script:receiver | Where-Object kind -eq 'smtp') }
}

AfterAll {
    Remove-TestResources
}

Describe 'Test-DeploymentConfig -TestNotifications' {
    It 'sends a marked test message to every target, whatever its filters, with MailKit in the module load context' {
        $out = Test-DeploymentConfig -Path $script:config -TestNotifications
        $results = @($out | Where-Object { $_ -is [DeployOps.Engine.Notifications.NotificationResult] })
        $results.Target | Sort-Object | Should -Be @('generic', 'mail', 'mattermost', 'slack', 'teams')
        $results | ForEach-Object { $_.Delivered | Should -BeTrue -Because "$($_.Target): $($_.Error)" }
        ($results | Select-Object -First 1).Event | Should -Be 'Test'

        $generic = (Received '/generic/*' | Select-Object -Last 1).item.Body | ConvertFrom-Json
        $generic.test | Should -BeTrue
        $generic.title | Should -BeLike '`[TEST`]*'
        $mail = Mails | Select-Object -Last 1
        $mail.item.Data | Should -Match 'Subject: \[TEST\] DeployOps notification test: shop \(production\)'
        $mail.item.Password | Should -Be $script:secrets.NOTIFY_SMTP_PASS

        $mailKit = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MailKit' }
        $mailKit | Should -Not -BeNullOrEmpty
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($mailKit).Name | Should -Be 'DeployOps.Dependencies'
    }

    It 'answers $false with -Quiet when a target cannot be reached' {
        Test-DeploymentConfig -Path $script:deadConfig -TestNotifications -Quiet -WarningVariable w -WarningAction SilentlyContinue | Should -BeFalse
        ($w -join "`n") | Should -Match 'NotificationNotDelivered'
    }
}

Describe 'Send-DeploymentNotification' {
    It 'has help with examples' {
        $help = Get-Help Send-DeploymentNotification -Full
        $help.Synopsis | Should -Match 'post in the deployment channel'
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        (Get-Command Send-DeploymentNotification).OutputType.Type.Name | Should -Contain 'NotificationResult'
    }

    It 'posts to the named targets and writes one result each' {
        $before = (Received '/services/*').Count
        $results = Send-DeploymentNotification -Path $script:config -Message 'Deployment of 2.4.0 starts at 22:00 UTC' -Target slack, mail -ChangeTicket CHG-7
        $results.Target | Should -Be @('slack', 'mail')
        $results.Delivered | Should -Be @($true, $true)
        $slack = (Received '/services/*')[$before].item.Body | ConvertFrom-Json
        $slack.blocks[1].text.text | Should -Be 'Deployment of 2.4.0 starts at 22:00 UTC'
        $slack.blocks[2].fields.text | Should -Contain "*Change ticket*`nCHG-7"
    }

    It 'sends nothing under -WhatIf' {
        $before = @(Read-NotificationReceiver $script:receiver).Count
        Send-DeploymentNotification -Path $script:config -Message 'not sent' -WhatIf | Should -BeNullOrEmpty
        Start-Sleep -Milliseconds 500
        @(Read-NotificationReceiver $script:receiver).Count | Should -Be $before
    }

    It 'reports an unknown target with NotificationTargetNotFound' {
        Send-DeploymentNotification -Path $script:config -Message 'x' -Target nowhere -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NotificationTargetNotFound*'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e[0].TargetObject | Should -Be 'nowhere'
    }

    It 'reports an unreachable target with NotificationNotDelivered, never showing its URL' {
        $results = Send-DeploymentNotification -Path $script:deadConfig -Message 'x' -ErrorVariable e -ErrorAction SilentlyContinue -WarningVariable w -WarningAction SilentlyContinue
        $results.Delivered | Should -BeFalse
        $results.Attempts | Should -Be 2
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NotificationNotDelivered*'
        $e[0].TargetObject | Should -Be 'dead'
        $text = ($e + $w + $results.Error + (Get-Content (Join-Path $script:deadDir 'state/audit.jsonl') -Raw)) -join "`n"
        $text | Should -Not -Match ([regex]::Escape($env:NOTIFY_DEAD))
        $text | Should -Not -Match 'dead[0-9a-f]{10}'
    }
}

Describe 'Engine events' {
    It 'notifies deployment started and succeeded to the targets that want them' {
        $before = (Received '/generic/*').Count
        $record = Invoke-Deployment -Path $script:config -Version 1.0.1 -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded'
        $events = @((Received '/generic/*') | Select-Object -Skip $before | ForEach-Object { ($_.item.Body | ConvertFrom-Json).event })
        $events | Should -Contain 'deploymentStarted'
        $events | Should -Contain 'deploymentSucceeded'
        # teams takes critical only: no message for a successful deployment.
        (Received '/webhookb2/*' | ForEach-Object { ($_.item.Body | ConvertFrom-Json).attachments[0].content.body[0].text }) |
            Should -Not -Match 'Deployment succeeded'
        $audit = Get-Content (Join-Path $script:dir 'state/audit.jsonl') | ConvertFrom-Json | Where-Object action -eq 'notify deploymentSucceeded'
        $audit.outcome | Should -Contain 'Delivered'
    }

    It 'notifies maintenance on to a subscribed target' {
        Enter-MaintenanceMode -Path $script:config -Reason 'db upgrade' -Confirm:$false | Out-Null
        try {
            $last = (Received '/generic/*' | Select-Object -Last 1).item.Body | ConvertFrom-Json
            $last.event | Should -Be 'maintenanceOn'
            $last.fields.reason | Should -Be 'db upgrade'
        }
        finally { Exit-MaintenanceMode -Path $script:config -Confirm:$false | Out-Null }
    }

    It 'goes on deploying when a target is unreachable: a warning and an audit line' {
        $record = Invoke-Deployment -Path $script:deadConfig -Version 1.0.2 -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        $record.Outcome | Should -Be 'Succeeded'
        ($w -join "`n") | Should -Match 'was not delivered after 2 attempt'
        ($w -join "`n") | Should -Not -Match ([regex]::Escape($env:NOTIFY_DEAD))
        $failed = Get-Content (Join-Path $script:deadDir 'state/audit.jsonl') | ConvertFrom-Json | Where-Object { $_.action -like 'notify *' -and $_.outcome -eq 'Failed' }
        $failed.action | Should -Contain 'notify deploymentStarted'
        $failed.action | Should -Contain 'notify deploymentSucceeded'
    }
}

Describe 'Change records' {
    It 'refuses a deployment without the ticket and reason the configuration requires, under -WhatIf too' {
        foreach ($whatIf in $false, $true) {
            $r = Invoke-Deployment -Path $script:ticketConfig -Version 1.1.0 -Reason 'x' -Confirm:$false -WhatIf:$whatIf -ErrorVariable e -ErrorAction SilentlyContinue
            $r | Should -BeNullOrEmpty
            $e[0].FullyQualifiedErrorId | Should -BeLike 'ChangeRecordRequired*'
            $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e[0].Exception.Message | Should -Match 'needs -ChangeTicket \(changeControl.requireChangeTicket\)'
            $e[0].Exception.Message | Should -Not -Match 'requireReason'
        }
        Test-Path (Join-Path $script:ticketDir 'state') | Should -BeFalse
    }

    It 'journals, audits and notifies -Reason and -ChangeTicket, and Get-DeploymentHistory finds the ticket' {
        $before = (Received '/generic/*').Count
        $record = Invoke-Deployment -Path $script:ticketConfig -Version 1.1.0 -Reason 'fix checkout totals' -ChangeTicket CHG-1042 -Confirm:$false
        $record.Outcome | Should -Be 'Succeeded'
        $record.ChangeTicket | Should -Be 'CHG-1042'
        $record.Reason | Should -Be 'fix checkout totals'
        Invoke-Deployment -Path $script:ticketConfig -Version 1.1.1 -Reason 'next' -ChangeTicket CHG-2000 -Confirm:$false | Out-Null

        $found = @(Get-DeploymentHistory -Path $script:ticketConfig -ChangeTicket chg-1042)
        $found.Id | Should -Be @($record.Id)
        @(Get-DeploymentHistory -Path $script:ticketConfig).Count | Should -Be 2

        $started = Get-Content (Join-Path $script:ticketDir 'state/audit.jsonl') | ConvertFrom-Json |
            Where-Object { $_.deploymentId -eq $record.Id -and $_.outcome -eq 'Started' }
        $started.details.changeTicket | Should -Be 'CHG-1042'
        $started.details.reason | Should -Be 'fix checkout totals'

        $payload = (Received '/generic/*' | Select-Object -Skip $before | Select-Object -First 1).item.Body | ConvertFrom-Json
        $payload.event | Should -Be 'deploymentStarted'
        $payload.fields.ticket | Should -Be 'CHG-1042'
        $payload.text | Should -Match 'Reason: fix checkout totals\. Change ticket: CHG-1042\.'
    }
}

Describe 'Freeze windows' {
    BeforeAll {
        $script:freezeDir = Join-Path $script:dir 'freeze'
        New-Item -ItemType Directory $script:freezeDir | Out-Null
        $script:freezeConfig = Join-Path $script:freezeDir 'deployops.yaml'
        $today = [DateTime]::UtcNow
        $freeze = "freeze:`n  approvers: [carol]`n  windows:`n    - name: release-week`n      from: $($today.AddDays(-1).ToString('yyyy-MM-dd'))`n      to: $($today.AddDays(2).ToString('yyyy-MM-dd'))`n      timeZone: UTC`n"
        (Get-Content $script:config -Raw).Replace('environment: production', "environment: frozen`n$freeze") | Set-Content $script:freezeConfig
    }

    It 'refuses a deployment inside a window with DeploymentFrozen naming it' {
        Invoke-Deployment -Path $script:freezeConfig -Version 3.0.0 -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'DeploymentFrozen*'
        $e[0].TargetObject | Should -Be 'release-week'
        $e[0].Exception.Message | Should -Match "change freeze 'release-week'"
        Invoke-Deployment -Path $script:freezeConfig -Version 3.0.0 -OverrideFreeze -Reason 'x' -ApprovedBy mallory -Confirm:$false -ErrorVariable e2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e2[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        Test-Path (Join-Path $script:freezeDir 'state') | Should -BeFalse
    }

    It 'lets an approved emergency fix through: journaled, audited, warned and notified' {
        $before = (Received '/services/*').Count
        $record = Invoke-Deployment -Path $script:freezeConfig -Version 3.0.1 -OverrideFreeze -Reason 'payment outage' -ApprovedBy carol -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        $record.Outcome | Should -Be 'Succeeded'
        $record.Fields['freezeOverridden'] | Should -Be 'release-week'
        ($w -join "`n") | Should -Match "inside the change freeze 'release-week'"
        $line = Get-Content (Join-Path $script:freezeDir 'state/audit.jsonl') | ConvertFrom-Json | Where-Object action -eq 'override freeze'
        $line.outcome | Should -Be 'Overridden'
        $line.details.approvedBy | Should -Be 'carol'
        $titles = (Received '/services/*' | Select-Object -Skip $before | ForEach-Object { ($_.item.Body | ConvertFrom-Json).blocks[0].text.text })
        $titles | Should -Contain 'Change freeze overridden: shop 3.0.1 (frozen)'
    }

    It 'never freezes a rollback' {
        Invoke-Deployment -Path $script:freezeConfig -Version 3.0.2 -OverrideFreeze -Reason 'second fix' -ApprovedBy carol -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $before = (Received '/services/*').Count
        $result = Invoke-Rollback -Path $script:freezeConfig -Reason 'second fix broke checkout' -ChangeTicket INC-7 -Confirm:$false
        $result.Status | Should -Be 'Succeeded'
        $result.ToVersion | Should -Be '3.0.1'
        $started = Received '/services/*' | Select-Object -Skip $before | ForEach-Object { $_.item.Body | ConvertFrom-Json } |
            Where-Object { $_.blocks[0].text.text -like '*Rollback started*' }
        $started.blocks[2].fields.text | Should -Contain "*Change ticket*`nINC-7"
        $line = Get-Content (Join-Path $script:freezeDir 'state/audit.jsonl') | ConvertFrom-Json |
            Where-Object { $_.command -eq 'Invoke-Rollback' -and $_.outcome -eq 'Started' }
        $line.details.changeTicket | Should -Be 'INC-7'
    }
}
