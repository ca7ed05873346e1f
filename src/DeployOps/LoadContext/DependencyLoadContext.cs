using System.Reflection;
using System.Runtime.Loader;

namespace DeployOps.LoadContext;

/// <summary>
/// Holds the engine and its third-party dependencies (Npgsql, YamlDotNet, the Redis client) apart from other
/// modules' copies: anything present in Dependencies/ is loaded here, everything else falls back to PowerShell's.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private readonly string _directory;

    public DependencyLoadContext(string directory) : base("DeployOps.Dependencies", isCollectible: false)
    {
        _directory = directory;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var candidate = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var candidate = Path.Combine(_directory, unmanagedDllName);
        return File.Exists(candidate) ? LoadUnmanagedDllFromPath(candidate) : IntPtr.Zero;
    }
}
