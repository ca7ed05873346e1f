namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>Invoke-Deployment -RecordOnly could not read what runs now (a target not answering, no live slot, no
    /// container, unreadable migration head, or an interrupted deployment half-way): nothing was recorded.</summary>
    public const string BaselineUnreadable = "BaselineUnreadable";
}
