using System.Net;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Clients.Docker;

/// <summary>The daemon answered with an error: its HTTP status and its own message are kept for the operator.</summary>
internal sealed class DockerApiException : DeployOpsException
{
    public DockerApiException(string errorId, ErrorKind kind, string message, HttpStatusCode statusCode, string daemonMessage, object? target,
        Exception? inner = null)
        : base(errorId, kind, message, target, inner)
    {
        StatusCode = statusCode;
        DaemonMessage = daemonMessage;
    }

    public HttpStatusCode StatusCode { get; }
    /// <summary>The daemon's message exactly as it sent it.</summary>
    public string DaemonMessage { get; }
}
