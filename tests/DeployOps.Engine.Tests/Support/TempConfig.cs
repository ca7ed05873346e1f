namespace DeployOps.Engine.Tests.Support;

/// <summary>A deployops.yaml written into its own temp folder (so its state directory is private too).</summary>
public sealed class TempConfig : IDisposable
{
    public TempConfig(string yaml)
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "deployops-cfg-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "deployops.yaml");
        File.WriteAllText(Path, yaml);
    }

    public string Directory { get; }
    public string Path { get; }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}
