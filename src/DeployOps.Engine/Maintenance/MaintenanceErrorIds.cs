namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>The configuration has no maintenance mechanism (flagFile, redis or nginx).</summary>
    public const string MaintenanceNotConfigured = "MaintenanceNotConfigured";
    /// <summary>One mechanism could not be switched on or off; the others were still handled.</summary>
    public const string MaintenanceMechanismFailed = "MaintenanceMechanismFailed";
    /// <summary><c>nginx -t</c> rejected the configuration; the include file was restored and nginx not reloaded.</summary>
    public const string NginxConfigInvalid = "NginxConfigInvalid";
    /// <summary>In-flight work did not fall below the threshold in time; maintenance stays on.</summary>
    public const string DrainTimeout = "DrainTimeout";
}
