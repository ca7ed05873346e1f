using System.Management.Automation;
using DeployOps.Engine.Hosting;

namespace DeployOps.Hosting;

/// <summary>Maps engine failures onto PowerShell error records with their stable ErrorId and real target.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(DeployOpsError error) =>
        new(error.Exception ?? new DeployOpsException(error.ErrorId, error.Kind, error.Message, error.Target),
            error.ErrorId, Category(error.Kind), error.Target);

    public static ErrorRecord From(DeployOpsException ex) => new(ex, ex.ErrorId, Category(ex.Kind), ex.Target);

    public static ErrorCategory Category(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
        ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.SecurityError => ErrorCategory.SecurityError,
        ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        ErrorKind.InvalidResult => ErrorCategory.InvalidResult,
        _ => ErrorCategory.NotSpecified,
    };
}
