using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace DeployOps.HostedRunner;

/// <summary>
/// Replays what PowerShell does with a binary module's root assembly before it calls IModuleAssemblyInitializer.OnImport
/// (where DeployOps registers its resolver): Assembly.LoadFrom into the default context, GetExportedTypes, and for
/// each type its base types, interfaces, attributes and public properties (the parameter metadata of cmdlets: the
/// property type, its underlying type when nullable, the attributes). Only DeployOps.Contracts (RequiredAssemblies,
/// beside DeployOps.dll) and System.Management.Automation (this process' PowerShell SDK) can be resolved;
/// Dependencies/ is never on the probing path and the module initializer is never called.
/// </summary>
internal static class LayoutProbe
{
    private const BindingFlags Members = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.FlattenHierarchy;

    public static string Run(string moduleDirectory)
    {
        var unresolved = new List<string>();
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            if (name.Name == "DeployOps.Contracts")
                return context.LoadFromAssemblyPath(Path.Combine(moduleDirectory, "DeployOps.Contracts.dll"));
            lock (unresolved) unresolved.Add(name.FullName);
            return null;
        };

        var failures = new List<Dictionary<string, string>>();
        var cmdlets = new List<object>();
        var typeCount = 0;
        void Fail(string type, string member, Exception e) => failures.Add(new()
        {
            ["type"] = type,
            ["member"] = member,
            ["error"] = $"{e.GetType().Name}: {e.Message}",
        });

        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(moduleDirectory, "DeployOps.dll"));
        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.OfType<Type>().ToArray();
            foreach (var inner in e.LoaderExceptions.OfType<Exception>()) Fail("(DeployOps.dll)", "GetExportedTypes", inner);
        }
        catch (Exception e)
        {
            types = [];
            Fail("(DeployOps.dll)", "GetExportedTypes", e);
        }
        if (failures.Count > 0)
        {
            // Which public type, and which of its members, could not be laid out.
            foreach (var (type, member, error) in MetadataDiagnosis.Explain(assembly, Path.Combine(moduleDirectory, "DeployOps.dll")))
                failures.Add(new() { ["type"] = type, ["member"] = member, ["error"] = error });
        }

        foreach (var type in types)
        {
            typeCount++;
            var name = type.FullName ?? type.Name;
            bool isCmdlet;
            try
            {
                for (var t = type.BaseType; t is not null; t = t.BaseType) _ = t.FullName;
                _ = type.GetInterfaces();
                _ = type.GetCustomAttributes(inherit: true);
                isCmdlet = typeof(Cmdlet).IsAssignableFrom(type);
                // What IsSubclassOf / attribute reads need: the type loaded with its instance layout.
                _ = type.IsValueType;
                _ = type.TypeHandle;
            }
            catch (Exception e)
            {
                Fail(name, "(type)", e);
                continue;
            }

            PropertyInfo[] properties;
            try
            {
                properties = type.GetProperties(Members);
            }
            catch (Exception e)
            {
                Fail(name, "GetProperties", e);
                continue;
            }

            var parameters = new List<object>();
            foreach (var property in properties)
            {
                try
                {
                    var propertyType = property.PropertyType;
                    var underlying = Nullable.GetUnderlyingType(propertyType) ?? propertyType.GetElementType() ?? propertyType;
                    if (underlying.IsEnum) _ = Enum.GetUnderlyingType(underlying);
                    var attributes = property.GetCustomAttributes(inherit: true);
                    if (isCmdlet && attributes.OfType<ParameterAttribute>().Any())
                        parameters.Add(new
                        {
                            name = property.Name,
                            type = propertyType.FullName,
                            aliases = attributes.OfType<AliasAttribute>().SelectMany(a => a.AliasNames).ToArray(),
                        });
                }
                catch (Exception e)
                {
                    Fail(name, property.Name, e);
                }
            }

            try
            {
                foreach (var field in type.GetFields(Members)) _ = field.FieldType;
            }
            catch (Exception e)
            {
                Fail(name, "GetFields", e);
            }

            if (isCmdlet && !type.IsAbstract)
            {
                var attribute = type.GetCustomAttribute<CmdletAttribute>();
                if (attribute is not null)
                    cmdlets.Add(new { name = $"{attribute.VerbName}-{attribute.NounName}", type = name, parameters });
            }
        }

        var loaded = AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetName().Name)
            .Where(n => n is not null && n.StartsWith("DeployOps", StringComparison.Ordinal))
            .ToArray();
        return JsonSerializer.Serialize(new
        {
            typeCount,
            cmdlets,
            failures,
            unresolved = unresolved.Distinct().ToArray(),
            loaded,
            initializerCalled = false,
        }, new JsonSerializerOptions { WriteIndented = true });
    }
}
