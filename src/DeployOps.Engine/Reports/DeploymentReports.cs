using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Files;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Reports;

/// <summary>The formats Export-DeploymentReport writes.</summary>
internal enum ReportFormat
{
    /// <summary>The runbooks' checklist as Markdown (the default).</summary>
    Markdown,
    /// <summary>One self-contained HTML page with the health chart (inline CSS and SVG, no script, no network).</summary>
    Html,
    /// <summary>The report's data in the documented deployops.report/1 shape.</summary>
    Json,
}

/// <summary>Options of Export-DeploymentReport.</summary>
internal sealed class ReportOptions
{
    public required string DeploymentId { get; init; }
    public ReportFormat Format { get; init; } = ReportFormat.Markdown;
    /// <summary>Full path of the file to write; null returns the report as text instead.</summary>
    public string? OutFile { get; init; }
    /// <summary>Replace an existing <see cref="OutFile"/>.</summary>
    public bool Force { get; init; }
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>What Export-DeploymentReport does: gather one deployment's records and render them.</summary>
internal static class DeploymentReports
{
    /// <summary>
    /// The report text, or with <see cref="ReportOptions.OutFile"/> the path written (atomically, after
    /// ShouldProcess; null when skipped). DeploymentNotFound for an unknown id, ReportFileExists without Force.
    /// </summary>
    public static async Task<string?> ExportAsync(ConfigModel config, ReportOptions options, IOutputSink sink, CancellationToken ct)
    {
        sink = ConfigBoundSink.For(sink, config);
        DeploymentRecord record;
        await using (var store = DeploymentStore.Open(config))
        {
            record = await store.GetAsync(options.DeploymentId, ct).ConfigureAwait(false)
                ?? throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                    $"No deployment '{config.Redactor.Redact(options.DeploymentId)}' of {config.Application}/{config.Environment} in {store.Location}; " +
                    "Get-DeploymentHistory lists the ids.", options.DeploymentId);
        }
        if (options.OutFile is { } path && File.Exists(path) && !options.Force)
            throw new DeployOpsException(ErrorIds.ReportFileExists, ErrorKind.ResourceExists,
                $"{path} already exists; use -Force to replace it.", path);

        var report = await ReportBuilder.BuildAsync(config, record, options.Clock.GetUtcNow(), sink, ct).ConfigureAwait(false);
        // Every recorded string was redacted when it was written; redact the rendering again for secrets added to the config since.
        var text = config.Redactor.Redact(Render(report, options.Format));
        if (options.OutFile is not { } outFile) return text;

        if (!sink.ShouldProcess(outFile, $"Write the {options.Format} report of deployment {record.Id}")) return null;
        try
        {
            AtomicFile.Write(outFile, text, FileReaders.Umask);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(ErrorIds.ReportWriteFailed, ErrorKind.PermissionDenied, $"Cannot write {outFile}: {ex.Message}", outFile, ex);
        }
        sink.WriteVerbose($"Wrote the {options.Format} report of {record.Id} to {outFile}");
        return outFile;
    }

    internal static string Render(DeploymentReport report, ReportFormat format) => format switch
    {
        ReportFormat.Html => HtmlReport.Render(report),
        ReportFormat.Json => JsonSerializer.Serialize(report, ReportJson.Options) + "\n",
        _ => MarkdownReport.Render(report),
    };
}
