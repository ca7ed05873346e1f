namespace DeployOps.Engine.Hosting;

/// <summary>How a failure is classified; the cmdlet layer maps it onto PowerShell's ErrorCategory.</summary>
public enum ErrorKind
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    ResourceUnavailable,
    ResourceBusy,
    ConnectionError,
    OperationTimeout,
    OperationStopped,
    PermissionDenied,
    SecurityError,
    ResourceExists,
    InvalidResult,
}

/// <summary>A failure as reported to the operator: a stable id, a class, a message and the object it concerns.</summary>
public sealed class DeployOpsError
{
    public DeployOpsError(string errorId, ErrorKind kind, string message, object? target = null, Exception? exception = null)
    {
        ErrorId = errorId;
        Kind = kind;
        Message = message;
        Target = target;
        Exception = exception;
    }

    public string ErrorId { get; }
    public ErrorKind Kind { get; }
    public string Message { get; }
    public object? Target { get; }
    public Exception? Exception { get; }

    public override string ToString() => $"{ErrorId}: {Message}";
}

/// <summary>A terminating engine failure carrying the same data as <see cref="DeployOpsError"/>.</summary>
public class DeployOpsException : Exception
{
    public DeployOpsException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public ErrorKind Kind { get; }
    public object? Target { get; }

    public DeployOpsError ToError() => new(ErrorId, Kind, Message, Target, this);
}
