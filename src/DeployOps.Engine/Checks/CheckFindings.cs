namespace DeployOps.Engine.Checks;

/// <summary>
/// Collects what a multi-part check found (failures, warnings, plain notes) and turns it into one outcome:
/// failed if anything failed, else warning if anything warned, else passed. The message leads with the problems.
/// </summary>
internal sealed class CheckFindings
{
    private readonly List<string> _failures = new();
    private readonly List<string> _warnings = new();
    private readonly List<string> _notes = new();

    public Dictionary<string, object?> Data { get; } = new(StringComparer.Ordinal);

    public void Fail(string message) => _failures.Add(message);
    public void Warn(string message) => _warnings.Add(message);
    public void Note(string message) => _notes.Add(message);

    public CheckOutcome ToOutcome()
    {
        var message = string.Join("; ", _failures.Concat(_warnings).Concat(_notes));
        if (_failures.Count > 0) return CheckOutcome.Fail(message, Data);
        if (_warnings.Count > 0) return CheckOutcome.Warn(message, Data);
        return CheckOutcome.Pass(message, Data);
    }
}
