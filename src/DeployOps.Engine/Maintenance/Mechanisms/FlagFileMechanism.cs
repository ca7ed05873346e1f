using DeployOps.Engine.Files;
namespace DeployOps.Engine.Maintenance.Mechanisms;

/// <summary>A JSON flag file the application checks; replaced atomically so readers never see half a file.</summary>
internal sealed class FlagFileMechanism : IMaintenanceMechanism
{
    private readonly FlagFileSettings _settings;

    public FlagFileMechanism(FlagFileSettings settings) => _settings = settings;

    public string Name => "FlagFile";
    public string Target => _settings.Path;

    public Task<MechanismReading> ReadAsync(CancellationToken cancellationToken)
    {
        var content = AtomicFile.ReadOrNull(_settings.Path);
        if (content is null) return Task.FromResult(new MechanismReading(MechanismStatus.Off, "no flag file"));
        var info = MaintenanceInfo.TryParse(content);
        return Task.FromResult(info is null
            ? new MechanismReading(MechanismStatus.On, "flag file present (not written by DeployOps)")
            : new MechanismReading(MechanismStatus.On, "flag file present", info));
    }

    public Task EnterAsync(MaintenanceInfo info, CancellationToken cancellationToken)
    {
        AtomicFile.Write(_settings.Path, info.ToJson() + "\n", FileReaders.Umask);
        return Task.CompletedTask;
    }

    public Task ExitAsync(CancellationToken cancellationToken)
    {
        File.Delete(_settings.Path); // no error when already gone
        return Task.CompletedTask;
    }
}
