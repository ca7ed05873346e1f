using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DeployOps.Tests;

/// <summary>
/// The public PowerShell surface, read from attributes with CustomAttributeData (no PowerShell runtime needed):
/// naming, verbs, output types, ShouldProcess on state changes, and the manifest agreeing with the code.
/// </summary>
public sealed class CmdletSurfaceTests
{
    private const string Sma = "System.Management.Automation.";

    // Verbs whose cmdlets change something: they must support -WhatIf/-Confirm.
    private static readonly HashSet<string> StateChangingVerbs = new(StringComparer.OrdinalIgnoreCase)
    {
        "Enter", "Exit", "Invoke", "Set", "Remove", "New", "Backup", "Restore", "Switch", "Unlock", "Approve",
        "Resume", "Start", "Stop", "Clear", "Reset", "Register", "Unregister", "Update", "Deny",
    };

    private static readonly Assembly CmdletAssembly = typeof(DeployOps.Commands.TestPreDeploymentCommand).Assembly;

    public static IEnumerable<object[]> CmdletTypes() => Cmdlets().Select(c => new object[] { c.Type.Name });

    [Fact]
    public void There_are_cmdlets() => Assert.NotEmpty(Cmdlets());

    [Theory]
    [MemberData(nameof(CmdletTypes))]
    public void Cmdlet_is_public_sealed_and_named_after_its_verb_and_noun(string typeName)
    {
        var (type, verb, noun, _) = Cmdlets().Single(c => c.Type.Name == typeName);
        Assert.True(type.IsPublic, $"{type} must be public");
        Assert.True(type.IsSealed, $"{type} must be sealed");
        Assert.Equal($"{verb}{noun}Command", type.Name);
        Assert.Equal("DeployOps.Commands", type.Namespace);
    }

    [Theory]
    [MemberData(nameof(CmdletTypes))]
    public void Cmdlet_uses_an_approved_verb(string typeName)
    {
        var verb = Cmdlets().Single(c => c.Type.Name == typeName).Verb;
        Assert.Contains(verb, ApprovedVerbs());
    }

    [Theory]
    [MemberData(nameof(CmdletTypes))]
    public void Cmdlet_declares_its_output_type(string typeName)
    {
        var type = Cmdlets().Single(c => c.Type.Name == typeName).Type;
        var outputTypes = type.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute").ToList();
        Assert.NotEmpty(outputTypes);
    }

    [Theory]
    [MemberData(nameof(CmdletTypes))]
    public void State_changing_cmdlet_supports_ShouldProcess(string typeName)
    {
        var (_, verb, _, attribute) = Cmdlets().Single(c => c.Type.Name == typeName);
        if (!StateChangingVerbs.Contains(verb)) return;
        var supports = attribute.NamedArguments.FirstOrDefault(a => a.MemberName == "SupportsShouldProcess");
        Assert.True(supports.TypedValue.Value is true, $"{typeName} changes state and must set SupportsShouldProcess = true");
    }

    [Fact]
    public void Manifest_exports_exactly_the_cmdlet_classes()
    {
        var exported = ManifestList("CmdletsToExport").ToHashSet(StringComparer.OrdinalIgnoreCase);
        var implemented = Cmdlets().Select(c => $"{c.Verb}-{c.Noun}").ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain("*", exported);
        Assert.Equal(implemented.OrderBy(x => x), exported.OrderBy(x => x));
    }

    [Fact]
    public void Manifest_names_its_root_module_editions_and_version()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "DeployOps.psd1"));
        Assert.Matches(@"RootModule\s*=\s*'DeployOps\.dll'", text);
        Assert.Matches(@"PowerShellVersion\s*=\s*'7\.4'", text);
        Assert.Matches(@"CompatiblePSEditions\s*=\s*@\('Core'\)", text);
        Assert.Matches(@"ModuleVersion\s*=\s*'\d+\.\d+\.\d+'", text);
    }

    [Fact]
    public void Every_output_type_is_sealed_with_get_only_properties_and_has_a_table_view()
    {
        var views = FormatViews();
        foreach (var type in OutputTypes().Where(t => t.Namespace?.StartsWith("DeployOps", StringComparison.Ordinal) == true))
        {
            Assert.True(type.IsSealed, $"{type} must be sealed");
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                Assert.True(property.SetMethod is null || !property.SetMethod.IsPublic, $"{type}.{property.Name} must be get-only");
            Assert.True(views.Contains(type.FullName!), $"{type.FullName} has no view in a .format.ps1xml listed in the manifest");
        }
    }

    [Fact]
    public void Format_files_in_the_manifest_exist_and_select_real_types()
    {
        var root = RepositoryRoot();
        var engine = typeof(DeployOps.Engine.Configuration.DeploymentConfig).Assembly;
        foreach (var file in ManifestList("FormatsToProcess"))
        {
            var path = Path.Combine(root, "module", file);
            Assert.True(File.Exists(path), $"{file} is listed in FormatsToProcess but module/{file} does not exist");
            foreach (var typeName in XDocument.Load(path).Descendants("TypeName").Select(e => e.Value.Trim()))
                Assert.True(engine.GetType(typeName) is not null || CmdletAssembly.GetType(typeName) is not null,
                    $"{file} selects {typeName}, which does not exist");
        }
    }

    internal static IReadOnlyList<(Type Type, string Verb, string Noun, CustomAttributeData Attribute)> Cmdlets() =>
        CmdletAssembly.GetTypes()
            .Select(t => (Type: t, Attribute: t.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Sma + "CmdletAttribute")))
            .Where(x => x.Attribute is not null)
            .Select(x => (x.Type, (string)x.Attribute!.ConstructorArguments[0].Value!, (string)x.Attribute.ConstructorArguments[1].Value!, x.Attribute))
            .ToList();

    private static IEnumerable<Type> OutputTypes() =>
        Cmdlets().SelectMany(c => c.Type.GetCustomAttributesData())
            .Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IReadOnlyCollection<CustomAttributeTypedArgument> many ? many.Select(m => m.Value) : new[] { arg.Value })
            .OfType<Type>()
            .Distinct();

    private static HashSet<string> ApprovedVerbs()
    {
        var sma = typeof(System.Management.Automation.Cmdlet).Assembly;
        return new[] { "VerbsCommon", "VerbsCommunications", "VerbsData", "VerbsDiagnostic", "VerbsLifecycle", "VerbsOther", "VerbsSecurity" }
            .Select(n => sma.GetType(Sma + n)!)
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
    }

    private static HashSet<string> FormatViews() =>
        ManifestList("FormatsToProcess")
            .SelectMany(f => XDocument.Load(Path.Combine(RepositoryRoot(), "module", f)).Descendants("View"))
            .Where(v => v.Element("TableControl") is not null)
            .SelectMany(v => v.Descendants("TypeName").Select(t => t.Value.Trim()))
            .ToHashSet(StringComparer.Ordinal);

    internal static IReadOnlyList<string> ManifestList(string key)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "DeployOps.psd1"));
        var match = Regex.Match(text, key + @"\s*=\s*@\((?<items>[^)]*)\)", RegexOptions.Singleline);
        Assert.True(match.Success, $"DeployOps.psd1 has no {key} = @(...)");
        return Regex.Matches(match.Groups["items"].Value, "'([^']+)'").Select(m => m.Groups[1].Value).ToList();
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeployOps.psd1"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("DeployOps.psd1 not found above " + AppContext.BaseDirectory);
    }
}
