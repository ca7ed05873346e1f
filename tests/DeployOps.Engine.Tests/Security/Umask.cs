using System.Runtime.InteropServices;

namespace DeployOps.Engine.Tests.Security;

/// <summary>
/// Sets the process umask for one test and puts it back. The umask is process-wide, so tests using it run in the
/// <see cref="UmaskCollection"/>, which xunit never runs beside other tests.
/// </summary>
internal sealed class Umask : IDisposable
{
    private readonly uint _previous;

    private Umask(uint mask) => _previous = SetUmask(mask);

    /// <summary>umask 000: every file and folder is created with exactly the mode its creator asks for.</summary>
    public static Umask Open() => new(0);

    public void Dispose() => SetUmask(_previous);

#pragma warning disable SYSLIB1054 // one blittable call; LibraryImport would need unsafe code in the test project
    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint SetUmask(uint mask);
#pragma warning restore SYSLIB1054
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UmaskCollection
{
    public const string Name = "umask";
}
