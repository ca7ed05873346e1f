namespace DeployOps.Engine.Health.Exposition;

/// <summary>Malformed exposition text: says which line and column, and what was expected.</summary>
internal sealed class ExpositionFormatException : FormatException
{
    public ExpositionFormatException(int line, int column, string problem)
        : base($"line {line}, column {column}: {problem}")
    {
        Line = line;
        Column = column;
        Problem = problem;
    }

    public int Line { get; }
    public int Column { get; }
    public string Problem { get; }
}
