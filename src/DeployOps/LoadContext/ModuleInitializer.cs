using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace DeployOps.LoadContext;

/// <summary>
/// Runs when Import-Module loads DeployOps.dll: routes the one request PowerShell cannot satisfy (the engine
/// assembly) into our own load context, so the engine's dependencies resolve there too.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "DeployOps.Engine";

    private static readonly string DependencyDirectory =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies");

    private static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(DependencyDirectory));

    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveEngine;

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal)) return null;
        // When built for tests the engine sits next to this assembly; the staged module keeps it in Dependencies/.
        return File.Exists(Path.Combine(DependencyDirectory, EngineAssemblyName + ".dll"))
            ? Context.Value.LoadFromAssemblyName(name)
            : null;
    }
}
