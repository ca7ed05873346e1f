using System.Reflection;

namespace DeployOps.Tests;

/// <summary>
/// Every TimeSpan parameter binds through DurationTransformationAttribute (so 120 is refused instead of becoming
/// 120 ticks), and no public signature in DeployOps.dll names an engine value type: PowerShell lays out this
/// assembly's public types before the module initializer can route the engine assembly.
/// </summary>
public sealed class DurationParameterTests
{
    private static readonly Assembly CmdletAssembly = typeof(DeployOps.Commands.TestPreDeploymentCommand).Assembly;

    private static IEnumerable<PropertyInfo> Parameters() =>
        CmdletAssembly.GetExportedTypes()
            .Where(t => t.Namespace == "DeployOps.Commands")
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Where(p => p.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute"));

    [Fact]
    public void Every_TimeSpan_parameter_uses_the_duration_transformation()
    {
        var durations = Parameters().Where(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) == typeof(TimeSpan)).ToList();
        Assert.NotEmpty(durations);
        foreach (var p in durations)
            Assert.True(p.CustomAttributes.Any(a => a.AttributeType.Name == "DurationTransformationAttribute"),
                $"{p.DeclaringType!.Name}.{p.Name} is a TimeSpan parameter without [DurationTransformation]");
    }

    [Fact]
    public void No_public_signature_names_an_engine_value_type()
    {
        var offenders = new List<string>();
        foreach (var type in CmdletAssembly.GetExportedTypes())
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(all))
            {
                var types = member switch
                {
                    PropertyInfo p when p.GetMethod?.IsPublic == true || p.GetMethod?.IsFamily == true => new[] { p.PropertyType },
                    FieldInfo f when f.IsPublic || f.IsFamily => new[] { f.FieldType },
                    MethodBase m when m.IsPublic || m.IsFamily =>
                        m.GetParameters().Select(x => x.ParameterType).Concat(m is MethodInfo mi ? new[] { mi.ReturnType } : Array.Empty<Type>()),
                    _ => Array.Empty<Type>(),
                };
                foreach (var t in types.SelectMany(Unwrap))
                    if (t.IsValueType && t.Assembly.GetName().Name == "DeployOps.Engine")
                        offenders.Add($"{type.Name}.{member.Name}: {t.FullName}");
            }
        }
        Assert.Empty(offenders);
    }

    private static IEnumerable<Type> Unwrap(Type t)
    {
        if (t.HasElementType) return Unwrap(t.GetElementType()!);
        return t.IsGenericType ? new[] { t }.Concat(t.GetGenericArguments().SelectMany(Unwrap)) : new[] { t };
    }
}
