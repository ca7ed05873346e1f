using System.Collections.ObjectModel;
using System.Reflection;

namespace DeployOps.HelpGen;

/// <summary>How a parameter takes part in one parameter set.</summary>
public sealed record ParameterSetUse(string SetName, bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

/// <summary>One cmdlet parameter as PowerShell binds it.</summary>
public sealed record ParameterShape(
    string Name,
    Type Type,
    IReadOnlyList<ParameterSetUse> Sets,
    IReadOnlyList<string> Aliases,
    bool Globbing,
    IReadOnlyList<string> AcceptedValues)
{
    public const string AllSets = "__AllParameterSets";

    public bool IsSwitch => Type.FullName == "System.Management.Automation.SwitchParameter";

    public bool InSet(string set) => Sets.Any(s => s.SetName == set || s.SetName == AllSets);

    /// <summary>The attribute that applies in <paramref name="set"/> (a named set wins over all-sets).</summary>
    public ParameterSetUse UseIn(string set) =>
        Sets.FirstOrDefault(s => s.SetName == set) ?? Sets.First(s => s.SetName == AllSets);
}

/// <summary>
/// A compiled cmdlet's public surface, read from its Cmdlet and Parameter attributes. Attributes are matched by
/// full name through CustomAttributeData, so this works whichever System.Management.Automation is loaded.
/// </summary>
public sealed record CmdletShape(
    string Verb,
    string Noun,
    bool SupportsShouldProcess,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<ParameterShape> Parameters)
{
    private const string Sma = "System.Management.Automation.";

    public string Name => $"{Verb}-{Noun}";

    /// <summary>-WhatIf and -Confirm: common parameters PowerShell adds for ShouldProcess cmdlets.</summary>
    public static readonly IReadOnlyList<string> RiskParameters = new[] { "WhatIf", "Confirm" };

    /// <summary>Parameters of <paramref name="set"/> in syntax order: positional first, then mandatory, then the rest.</summary>
    public IEnumerable<ParameterShape> ParametersOf(string set) =>
        Parameters.Where(p => p.InSet(set))
            .Select((p, index) => (Parameter: p, Use: p.UseIn(set), Index: index))
            .OrderBy(x => x.Use.Position ?? int.MaxValue)
            .ThenBy(x => x.Use.Mandatory ? 0 : 1)
            .ThenBy(x => x.Index)
            .Select(x => x.Parameter);

    public static IReadOnlyList<CmdletShape> ReadAll(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsPublic: true } && Attribute(t.GetCustomAttributesData(), "CmdletAttribute") is not null)
            .Select(Read)
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();

    public static CmdletShape Read(Type type)
    {
        var cmdlet = Attribute(type.GetCustomAttributesData(), "CmdletAttribute")
                     ?? throw new ArgumentException($"{type} has no [Cmdlet] attribute", nameof(type));
        var parameters = DeclaredBaseFirst(type).Select(ReadParameter).OfType<ParameterShape>().ToList();
        var defaultSet = Named<string>(cmdlet, "DefaultParameterSetName");
        return new CmdletShape(
            (string)cmdlet.ConstructorArguments[0].Value!,
            (string)cmdlet.ConstructorArguments[1].Value!,
            Named<bool>(cmdlet, "SupportsShouldProcess"),
            SetsOf(parameters, defaultSet),
            parameters);
    }

    /// <summary>
    /// PowerShell's parameter sets: every named set, plus the default set even when no parameter names it (it then
    /// holds only the all-sets parameters); with neither, the single implicit set. The default set comes first.
    /// </summary>
    private static IReadOnlyList<string> SetsOf(IReadOnlyList<ParameterShape> parameters, string? defaultSet)
    {
        var named = parameters.SelectMany(p => p.Sets).Select(s => s.SetName).Where(s => s != ParameterShape.AllSets);
        var sets = (string.IsNullOrEmpty(defaultSet) ? named : named.Prepend(defaultSet)).Distinct().ToList();
        return sets.Count == 0 ? new[] { ParameterShape.AllSets } : sets;
    }

    private static ParameterShape? ReadParameter(PropertyInfo property)
    {
        var attributes = property.GetCustomAttributesData();
        var uses = attributes.Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute")
            .Select(a =>
            {
                var position = Named<int?>(a, "Position");
                return new ParameterSetUse(
                    Named<string>(a, "ParameterSetName") ?? ParameterShape.AllSets,
                    Named<bool>(a, "Mandatory"),
                    position is null or int.MinValue ? null : position,
                    Named<bool>(a, "ValueFromPipeline"),
                    Named<bool>(a, "ValueFromPipelineByPropertyName"));
            })
            .ToList();
        if (uses.Count == 0) return null;

        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var element = type.IsArray ? type.GetElementType()! : type;
        var validateSet = Attribute(attributes, "ValidateSetAttribute");
        var accepted = validateSet is not null ? Strings(validateSet.ConstructorArguments)
            : element.IsEnum ? Enum.GetNames(element)
            : Array.Empty<string>();
        var alias = Attribute(attributes, "AliasAttribute");
        return new ParameterShape(
            property.Name,
            type,
            uses,
            alias is null ? Array.Empty<string>() : Strings(alias.ConstructorArguments),
            Attribute(attributes, "SupportsWildcardsAttribute") is not null,
            accepted);
    }

    /// <summary>Public properties, base class first, each class in declaration order (as a reader expects them).</summary>
    private static IEnumerable<PropertyInfo> DeclaredBaseFirst(Type type)
    {
        var chain = new Stack<Type>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType) chain.Push(t);
        return chain.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .OrderBy(p => p.MetadataToken));
    }

    private static CustomAttributeData? Attribute(IEnumerable<CustomAttributeData> attributes, string name) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == Sma + name);

    private static T? Named<T>(CustomAttributeData attribute, string name)
    {
        var value = attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => a.TypedValue.Value).FirstOrDefault();
        return value is null ? default : (T?)value;
    }

    /// <summary>A params string[] constructor argument (ValidateSet, Alias).</summary>
    private static string[] Strings(IList<CustomAttributeTypedArgument> arguments) =>
        arguments.SelectMany(a => a.Value is ReadOnlyCollection<CustomAttributeTypedArgument> many
                ? many.Select(m => (string)m.Value!)
                : new[] { (string)a.Value! })
            .ToArray();
}
