using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace DeployOps.LoadContext;

/// <summary>
/// Runs when Import-Module loads DeployOps.dll: routes the one request PowerShell cannot satisfy (the engine
/// assembly) into our own load context, so the engine's dependencies resolve there too.
/// </summary>
/// <remarks>
/// PowerShell enumerates DeployOps.dll's exported types before it calls <see cref="OnImport"/>, so the layout of
/// a public type here must never need the engine: value types (enums) users pass to or get from cmdlets live in
/// DeployOps.Contracts, which loads in the default context. A staged-module test guards this.
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "DeployOps.Engine";

    private static readonly string ModuleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
    private static readonly string DependencyDirectory = Path.Combine(ModuleDirectory, "Dependencies");

    /// <summary>Assemblies both sides must share: this one and the contracts the engine builds its output from.</summary>
    private static readonly IReadOnlySet<string> Shared = new HashSet<string>(StringComparer.Ordinal)
    {
        "DeployOps",
        "DeployOps.Contracts",
        "System.Management.Automation",
    };

    private static readonly Lazy<DependencyLoadContext> Context = new(() =>
        new DependencyLoadContext(DependencyDirectory, Path.GetDirectoryName(typeof(PSObject).Assembly.Location)!, Shared));

    /// <summary>Called by PowerShell on Import-Module: routes the engine assembly to DeployOps' own load
    /// context.</summary>
    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveEngine;

    /// <summary>Called by PowerShell on Remove-Module: releases the engine's resources (connection pools) if it was
    /// loaded, and stops routing.</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        // Only when a cmdlet loaded the engine: removing an unused module must not load it just to release nothing.
        if (AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == EngineAssemblyName)) ShutdownEngine();
        AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    // Not inlined: OnRemove itself must not need the engine type to be compiled.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ShutdownEngine() => DeployOps.Engine.Hosting.EngineLifetime.Shutdown();

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal)) return null;
        // When built for tests the engine sits next to this assembly; the staged module keeps it in Dependencies/.
        return File.Exists(Path.Combine(DependencyDirectory, EngineAssemblyName + ".dll"))
            ? Context.Value.LoadFromAssemblyName(name)
            : null;
    }
}
