namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>Export-DeploymentReport -OutFile names an existing file and -Force was not given.</summary>
    public const string ReportFileExists = "ReportFileExists";
    /// <summary>Export-DeploymentReport could not write its -OutFile (folder missing, no permission, disk full).</summary>
    public const string ReportWriteFailed = "ReportWriteFailed";
}
