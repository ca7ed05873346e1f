using DeployOps.Engine.Hosting;

namespace DeployOps.Bench;

/// <summary>
/// The sink every benchmark hands the engine: records, progress and verbose text are dropped (they would distort the
/// timings), every ShouldProcess is answered yes, and warnings and errors go to stderr unless silenced.
/// </summary>
internal sealed class NullSink : IOutputSink
{
    /// <summary>Drops everything, warnings and errors included.</summary>
    public static readonly NullSink Instance = new(warnings: false, errors: false);

    /// <summary>Reports warnings and errors on stderr.</summary>
    public static readonly NullSink Reporting = new(warnings: true, errors: true);

    /// <summary>Reports errors only on stderr.</summary>
    public static readonly NullSink ErrorsOnly = new(warnings: false, errors: true);

    private readonly bool _warnings;
    private readonly bool _errors;

    private NullSink(bool warnings, bool errors)
    {
        _warnings = warnings;
        _errors = errors;
    }

    public void WriteRecord(object record) { }
    public void WriteProgress(ProgressUpdate progress) { }
    public void WriteVerbose(string message) { }
    public void WriteWarning(string message) { if (_warnings) Console.Error.WriteLine("WARNING: " + message); }
    public void WriteError(DeployOpsError error) { if (_errors) Console.Error.WriteLine($"ERROR {error.ErrorId}: {error.Message}"); }
    public bool ShouldProcess(string target, string action) => true;
    public bool IsDryRun => false;
}
