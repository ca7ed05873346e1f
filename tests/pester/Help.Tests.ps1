# Get-Help -Full for every exported cmdlet shows the MAML help built from docs/cmdlets, not generated syntax.
BeforeDiscovery {
    # Discovery needs the cmdlet names to build one test case each; read them from the staged manifest.
    $manifest = Import-PowerShellDataFile -Path $env:DEPLOYOPS_MODULE_PATH
    $script:cmdletCases = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module $env:DEPLOYOPS_MODULE_PATH -Force
    $script:module = Get-Module DeployOps
    $script:exported = (Import-PowerShellDataFile -Path $env:DEPLOYOPS_MODULE_PATH).CmdletsToExport
    # Parameters every cmdlet gets from PowerShell; -WhatIf/-Confirm are described by the generator, so they stay.
    $script:common = [System.Management.Automation.PSCmdlet]::CommonParameters
}

Describe 'Cmdlet help' {
    It 'exports exactly the cmdlets in the manifest' {
        @($script:module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($script:exported | Sort-Object)
    }

    It 'ships the MAML help file in en-US' {
        Join-Path $script:module.ModuleBase 'en-US/DeployOps.dll-Help.xml' | Should -Exist
    }

    Context '<Name>' -ForEach $cmdletCases {
        BeforeAll {
            $script:help = Get-Help -Name $Name -Full
        }

        It 'has a synopsis that is not the generated syntax' {
            $synopsis = "$($help.Synopsis)".Trim()
            $synopsis | Should -Not -BeNullOrEmpty
            # Without help, Get-Help puts the syntax line ("Verb-Noun [[-Path] <string>] ...") in the synopsis.
            $synopsis | Should -Not -BeLike "$Name *"
            $synopsis | Should -Not -Match '\[<CommonParameters>\]'
        }

        It 'has a description' {
            ($help.description.Text -join "`n").Trim() | Should -Not -BeNullOrEmpty
        }

        It 'describes every parameter' {
            $documented = @($help.parameters.parameter)
            $expected = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $common }
            foreach ($parameter in $expected) {
                $entry = $documented | Where-Object name -EQ $parameter
                $entry | Should -Not -BeNullOrEmpty -Because "-$parameter must appear in the help of $Name"
                ($entry.description.Text -join "`n").Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
            }
        }

        It 'has at least two examples with code' {
            $examples = @($help.examples.example)
            $examples.Count | Should -BeGreaterOrEqual 2
            foreach ($example in $examples) { "$($example.code)".Trim() | Should -Not -BeNullOrEmpty }
        }

        It 'has related links' {
            @($help.relatedLinks.navigationLink).Count | Should -BeGreaterThan 0
        }
    }
}
