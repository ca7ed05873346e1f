using System.Text.Json;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Clients.Docker;

internal sealed partial class DockerClient
{
    /// <summary>
    /// Reads a JSON progress stream (pull, push, import, load) to its end. The daemon reports failures inside the
    /// stream with HTTP 200 already sent, so an "error" line becomes the exception here.
    /// </summary>
    private async Task<IReadOnlyList<DockerProgressMessage>> ReadProgressAsync(HttpResponseMessage response, string action, string target,
        bool notFoundMeansImage, Action<DockerProgressMessage>? onProgress, CancellationToken ct)
    {
        var messages = new List<DockerProgressMessage>();
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                DockerProgressMessage? message;
                try
                {
                    message = JsonSerializer.Deserialize<DockerProgressMessage>(line, Json);
                }
                catch (JsonException)
                {
                    message = new DockerProgressMessage(null, null, null, line, null, null, null);
                }
                if (message is null) continue;
                var error = message.ErrorDetail?.Message ?? message.Error;
                if (!string.IsNullOrEmpty(error))
                {
                    var missing = notFoundMeansImage && LooksLikeMissingImage(error);
                    throw new DeployOpsException(missing ? ErrorIds.DockerImageNotFound : ErrorIds.DockerStreamFailed,
                        missing ? ErrorKind.ObjectNotFound : ErrorKind.InvalidResult,
                        $"Docker could not {action} '{target}': {error.Trim()}", target);
                }
                messages.Add(message);
                onProgress?.Invoke(message);
            }
        }
        catch (IOException ex) when (!ct.IsCancellationRequested)
        {
            throw Unreachable(ex);
        }
        return messages;
    }

    private static bool LooksLikeMissingImage(string error) =>
        error.Contains("not found", StringComparison.OrdinalIgnoreCase)
        || error.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase)
        || error.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
        || error.Contains("repository name not known", StringComparison.OrdinalIgnoreCase);
}
