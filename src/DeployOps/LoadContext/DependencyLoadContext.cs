using System.Reflection;
using System.Runtime.Loader;

namespace DeployOps.LoadContext;

/// <summary>
/// Holds the engine and its third-party dependencies (Npgsql, YamlDotNet, the Redis client …) apart from other
/// modules' copies. What PowerShell itself ships in $PSHOME at the same or a newer version, and the contracts
/// assembly users name types from, come from PowerShell's default context, so nothing is loaded twice and the
/// types on both sides of the boundary are the same types.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private readonly string _directory;
    private readonly string _powerShellHome;
    private readonly IReadOnlySet<string> _sharedWithPowerShell;

    public DependencyLoadContext(string directory, string powerShellHome, IReadOnlySet<string> sharedWithPowerShell)
        : base("DeployOps.Dependencies", isCollectible: false)
    {
        _directory = directory;
        _powerShellHome = powerShellHome;
        _sharedWithPowerShell = sharedWithPowerShell;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (name is null || _sharedWithPowerShell.Contains(name)) return null;
        var candidate = Path.Combine(_directory, name + ".dll");
        if (!File.Exists(candidate)) return null;
        return PowerShellShipsAtLeast(assemblyName) ? null : LoadFromAssemblyPath(candidate);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var candidate = Path.Combine(_directory, unmanagedDllName);
        return File.Exists(candidate) ? LoadUnmanagedDllFromPath(candidate) : IntPtr.Zero;
    }

    /// <summary>True when $PSHOME holds this assembly at the requested version or newer: use PowerShell's copy.</summary>
    private bool PowerShellShipsAtLeast(AssemblyName requested)
    {
        var shipped = Path.Combine(_powerShellHome, requested.Name + ".dll");
        if (!File.Exists(shipped)) return false;
        try
        {
            var version = AssemblyName.GetAssemblyName(shipped).Version;
            return version is not null && (requested.Version is null || version >= requested.Version);
        }
        catch (BadImageFormatException)
        {
            return false; // a native library of that name, not an assembly
        }
    }
}
