using DeployOps.Engine.Clients;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Processes;
using Npgsql;

namespace DeployOps.Engine.Strategies.Steps;

/// <summary>
/// Runs one configured step against one target. A failure (after its retries) throws with the step's name, the
/// target, the exit code or HTTP status, and the tail of its output, so the operator sees why without the log.
/// </summary>
internal sealed class StepRunner
{
    private static readonly HttpClient Http = new() { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    private readonly ConfigModel _config;
    private readonly DeploymentLog _log;
    private readonly IStepProcessJournal? _journal;

    public StepRunner(ConfigModel config, DeploymentLog log, IStepProcessJournal? journal = null)
    {
        _config = config;
        _log = log;
        _journal = journal;
    }

    /// <summary>The step's text with this target's values, for plans and messages.</summary>
    public static string Describe(StepDefinition step, StepContext context) => StepTemplate.Render(step.Text, context);

    public async Task RunAsync(string phase, StepDefinition step, StepContext context, CancellationToken cancellationToken)
    {
        var target = context.Instance ?? context.Slot ?? "deployment";
        for (var attempt = 0; ; attempt++)
        {
            var clock = Stopwatch.StartNew();
            _log.Write($"[{phase}] step '{step.Name}' on {target} (attempt {attempt + 1}): {Describe(step, context)}");
            var failure = step.Kind switch
            {
                StepKind.Command => await RunCommandAsync(phase, step, context, target, cancellationToken).ConfigureAwait(false),
                StepKind.Http => await RunHttpAsync(phase, step, context, target, cancellationToken).ConfigureAwait(false),
                _ => await RunSqlAsync(phase, step, context, target, cancellationToken).ConfigureAwait(false),
            };
            if (failure is null)
            {
                _log.Write($"[{phase}] step '{step.Name}' on {target} succeeded in {clock.Elapsed.TotalSeconds:0.00}s");
                return;
            }
            _log.Write($"[{phase}] step '{step.Name}' on {target} failed: {failure.Message}");
            if (attempt >= step.Retries) throw failure;
            await Task.Delay(step.RetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DeployOpsException?> RunCommandAsync(string phase, StepDefinition step, StepContext context, string target,
        CancellationToken cancellationToken)
    {
        ChildProcessSpec spec;
        try
        {
            spec = CommandSpec(step, context, _config.Directory, _journal, phase);
        }
        catch (DeployOpsException ex) when (ex.ErrorId is ErrorIds.InvalidVersion or ErrorIds.InvalidTemplateValue)
        {
            return Fail(ex.ErrorId, phase, step, target, ex.Message, "");
        }
        ChildProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync(spec, line => _log.Write("  | " + line), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or ArgumentException or DirectoryNotFoundException)
        {
            return Fail(ErrorIds.DeploymentStepFailed, phase, step, target, $"could not start {step.Shell}: {ex.Message}", "");
        }
        if (result.Succeeded) return null;
        if (context.Remote is { } remote
            && await Targets.RemoteFailure.ClassifyAsync(remote, result, cancellationToken).ConfigureAwait(false) is { } sshFailure)
            return new DeployOpsException(sshFailure.ErrorId, sshFailure.Kind,
                _config.Redactor.Redact($"Step '{step.Name}' of phase '{phase}' on {target} failed: {sshFailure.Message}"), sshFailure.Target, sshFailure);
        var why = result.TimedOut ? $"timed out after {ValueParsers.FormatDuration(step.Timeout)}" : $"exit code {result.ExitCode}";
        return Fail(ErrorIds.DeploymentStepFailed, phase, step, target, why, result.TailText);
    }

    /// <summary>
    /// The process a command step starts: the command with every placeholder quoted for its shell (bash/sh read the
    /// values from DEPLOYOPS_TEMPLATE_* variables), the working directory with each value kept to one path segment.
    /// Its environment is the scrubbed inherited one plus the step's own <c>env:</c> map (the only way a step gets a
    /// resolved secret) and the DEPLOYOPS_* variables; DEPLOYOPS_DEPLOYMENT_ID marks its processes as this deployment's.
    /// </summary>
    internal static ChildProcessSpec CommandSpec(StepDefinition step, StepContext context, string configDirectory,
        IStepProcessJournal? journal = null, string? phase = null)
    {
        var environment = new Dictionary<string, string?>();
        foreach (var (k, v) in context.Variables()) environment[k] = v;
        foreach (var (k, v) in step.Environment) environment[k] = StepTemplate.Render(v, context);
        foreach (var (k, v) in context.TemplateVariables()) environment[k] = v;
        if (journal is not null) environment[State.LeftoverProcesses.DeploymentVariable] = journal.DeploymentId;
        var (file, args) = ChildProcessSpec.Shell(step.Shell, StepTemplate.Render(step.Command!, context, StepTemplate.ShellSyntax(step.Shell)));
        var target = context.Instance ?? context.Slot ?? "deployment";
        var workingDirectory = StepTemplate.RenderOrNull(step.WorkingDirectory, context, TemplateSyntax.Path);
        return new ChildProcessSpec
        {
            FileName = file,
            Arguments = args,
            // On a remote target the folder is the host's (relative to the user's home); ssh itself starts here.
            WorkingDirectory = workingDirectory is not null && context.Remote is null
                ? Path.GetFullPath(Path.Combine(configDirectory, workingDirectory)) : configDirectory,
            Remote = context.Remote,
            RemoteWorkingDirectory = context.Remote is null ? null : workingDirectory,
            Environment = environment,
            Timeout = step.Timeout,
            OnStarted = journal is null ? null : started => journal.ProcessStartedAsync(phase ?? "", $"{step.Name}@{target}", started),
            OnEnded = journal is null ? null : (started, result) => journal.ProcessEndedAsync(phase ?? "", $"{step.Name}@{target}", started, result),
        };
    }

    private async Task<DeployOpsException?> RunHttpAsync(string phase, StepDefinition step, StepContext context, string target,
        CancellationToken cancellationToken)
    {
        string url;
        try
        {
            url = StepTemplate.Render(step.Url!, context, TemplateSyntax.Url);
        }
        catch (DeployOpsException ex) when (ex.ErrorId is ErrorIds.InvalidVersion or ErrorIds.InvalidTemplateValue)
        {
            return Fail(ex.ErrorId, phase, step, target, ex.Message, "");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(step.Timeout);
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(step.Method), url);
            if (step.Body is not null)
                request.Content = new StringContent(StepTemplate.Render(step.Body, context), Encoding.UTF8,
                    step.Body.TrimStart().StartsWith('{') || step.Body.TrimStart().StartsWith('[') ? "application/json" : "text/plain");
            foreach (var (k, v) in step.Headers) request.Headers.TryAddWithoutValidation(k, StepTemplate.Render(v, context));
            using var response = await Http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            _log.Write($"  | HTTP {status} {Tail(body, 500)}");
            var statusOk = step.ExpectStatus is { } expected ? status == expected : response.IsSuccessStatusCode;
            if (!statusOk)
                return Fail(ErrorIds.SmokeTestFailed, phase, step, target,
                    $"{step.Method} {url} answered {status}, expected {step.ExpectStatus?.ToString(CultureInfo.InvariantCulture) ?? "2xx"}", Tail(body, 500));
            if (step.ExpectBody is { } text && !body.Contains(StepTemplate.Render(text, context), StringComparison.Ordinal))
                return Fail(ErrorIds.SmokeTestFailed, phase, step, target, $"{step.Method} {url}: body does not contain '{text}'", Tail(body, 500));
            foreach (var (path, expectedValue) in step.ExpectJson)
            {
                var want = StepTemplate.Render(expectedValue, context);
                var actual = JsonValue(body, path);
                if (!string.Equals(actual, want, StringComparison.Ordinal))
                    return Fail(ErrorIds.SmokeTestFailed, phase, step, target,
                        $"{step.Method} {url}: JSON {path} is {(actual is null ? "missing" : $"'{actual}'")}, expected '{want}'", Tail(body, 500));
            }
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail(ErrorIds.SmokeTestFailed, phase, step, target, $"{step.Method} {url} timed out after {ValueParsers.FormatDuration(step.Timeout)}", "");
        }
        catch (HttpRequestException ex)
        {
            return Fail(ErrorIds.SmokeTestFailed, phase, step, target, $"{step.Method} {url} failed: {ex.Message}", "");
        }
    }

    private async Task<DeployOpsException?> RunSqlAsync(string phase, StepDefinition step, StepContext context, string target,
        CancellationToken cancellationToken)
    {
        var postgres = _config.Postgres ?? throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
            "sql steps need the top-level postgres section", step.Name);
        try
        {
            await using var connection = await PostgresDataSources.Shared.Pooled(postgres).OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(StepTemplate.Render(step.Sql!, context, TemplateSyntax.Sql), connection)
            {
                CommandTimeout = Math.Max(1, (int)Math.Ceiling(step.Timeout.TotalSeconds)),
            };
            var rows = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _log.Write($"  | {rows} row(s) affected on {postgres.Display}");
            return null;
        }
        catch (DeployOpsException ex) when (ex.ErrorId is ErrorIds.InvalidVersion or ErrorIds.InvalidTemplateValue)
        {
            return Fail(ex.ErrorId, phase, step, target, ex.Message, "");
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            var code = ex is PostgresException pg ? $"SQLSTATE {pg.SqlState}" : "connection failed";
            return Fail(ErrorIds.DeploymentStepFailed, phase, step, target, $"{code} on {postgres.Display}", ex.Message);
        }
    }

    private DeployOpsException Fail(string errorId, string phase, StepDefinition step, string target, string why, string tail)
    {
        var message = $"Step '{step.Name}' of phase '{phase}' on {target} failed: {why}" +
            (tail.Length > 0 ? $"{Environment.NewLine}Last output:{Environment.NewLine}{tail}" : "");
        return new DeployOpsException(errorId, ErrorKind.InvalidResult, _config.Redactor.Redact(message), step.Name);
    }

    private static string Tail(string text, int max) => text.Length <= max ? text.Trim() : "…" + text[^max..].Trim();

    /// <summary>The value at a dotted path (object keys and array indexes) as text; null when absent or not JSON.</summary>
    internal static string? JsonValue(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var element = document.RootElement;
            foreach (var part in path.Split('.'))
            {
                if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(part, out var child)) element = child;
                else if (element.ValueKind == JsonValueKind.Array && int.TryParse(part, out var index) && index >= 0 && index < element.GetArrayLength())
                    element = element[index];
                else return null;
            }
            return element.ValueKind switch
            {
                JsonValueKind.String => element.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Null => "null",
                _ => element.GetRawText(),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
