@{
    RootModule           = 'DeployOps.dll'
    # Loaded first, into PowerShell's default context: the types users name ([DeployOps.Engine.Health.HealthDecision] …).
    RequiredAssemblies   = @('DeployOps.Contracts.dll')
    ModuleVersion        = '0.1.0'
    GUID                 = '6b7f3c2e-8d4a-4f1e-9a53-2c0d7e5b9f14'
    Author               = 'DeployOps'
    CompanyName          = 'DeployOps'
    Copyright            = '(c) DeployOps. All rights reserved.'
    Description          = 'Scripted, verifiable production deployments: pre-deployment checks, maintenance mode with verified draining, blue-green/canary/rolling/hotfix deployments, health verdicts and database-aware rollback.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @(
        'DeployOps.format.ps1xml'
        'DeployOps.Deployment.format.ps1xml'
        'DeployOps.State.format.ps1xml'
        'DeployOps.Backup.format.ps1xml'
        'DeployOps.Maintenance.format.ps1xml'
        'DeployOps.Health.format.ps1xml'
        'DeployOps.Rollback.format.ps1xml'
        'DeployOps.Notifications.format.ps1xml'
    )
    CmdletsToExport      = @(
        'Get-Deployment'
        'Get-DeploymentHistory'
        'Test-DeploymentConfig'
        'Test-PreDeployment'
        'Switch-DeploymentTraffic'
        'Invoke-Deployment'
        'Resume-Deployment'
        'Approve-Deployment'
        'Deny-Deployment'
        'Unlock-Deployment'
        'Remove-DeploymentHistory'
        'Backup-DeploymentDatabase'
        'Get-DeploymentBackup'
        'Test-DeploymentBackup'
        'Restore-DeploymentDatabase'
        'Enter-MaintenanceMode'
        'Exit-MaintenanceMode'
        'Get-MaintenanceMode'
        'Watch-DeploymentHealth'
        'Invoke-Rollback'
        'Send-DeploymentNotification'
        'Export-DeploymentReport'
        'Remove-DeploymentImage'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Deployment', 'DevOps', 'BlueGreen', 'Canary', 'Rollback', 'PostgreSQL', 'nginx', 'Linux')
            ReleaseNotes = 'Pre-deployment checklist, maintenance mode with verified draining, blue-green/canary/rolling/hotfix deployments (commands or containers), health verdicts with decision records, database backups and migration-aware rollback.'
        }
    }
}
