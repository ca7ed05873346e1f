namespace DeployOps.Engine.Checks;

/// <summary>What one check found: a status, a sentence for the operator, and structured data for scripts.</summary>
internal sealed class CheckOutcome
{
    private CheckOutcome(CheckStatus status, string message, IReadOnlyDictionary<string, object?> data)
    {
        Status = status;
        Message = message;
        Data = data;
    }

    public CheckStatus Status { get; }
    public string Message { get; }
    public IReadOnlyDictionary<string, object?> Data { get; }

    public static CheckOutcome Pass(string message, Dictionary<string, object?>? data = null) => new(CheckStatus.Passed, message, data ?? new());
    public static CheckOutcome Warn(string message, Dictionary<string, object?>? data = null) => new(CheckStatus.Warning, message, data ?? new());
    public static CheckOutcome Fail(string message, Dictionary<string, object?>? data = null) => new(CheckStatus.Failed, message, data ?? new());
    public static CheckOutcome Skip(string message, Dictionary<string, object?>? data = null) => new(CheckStatus.Skipped, message, data ?? new());
}
