using System.Text.RegularExpressions;
using Npgsql;

namespace DeployOps.Engine.Backup;

/// <summary>
/// Words a failed pg_dump/pg_restore or a lost connection the way an admin reads it: the cause first (the
/// error/FATAL/detail lines), then at most a little of the <c>--verbose</c> progress that came before it.
/// </summary>
internal static partial class PgDiagnostics
{
    private const int ProgressLinesKept = 2;

    // "pg_dump: error: …", "pg_restore: detail: …", "ERROR:  …", "FATAL:  …", "psql:…: ERROR: …"
    [GeneratedRegex(@"(?i)(?:^|:\s*|\s)(error|fatal|panic|detail|hint):")]
    private static partial Regex CauseLine();

    public static string Summarize(IReadOnlyList<string> lines)
    {
        var nonEmpty = lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var causes = nonEmpty.Where(l => CauseLine().IsMatch(l)).ToList();
        if (causes.Count == 0) return nonEmpty.Count == 0 ? "no diagnostics (nothing on stderr)" : string.Join(" | ", nonEmpty.TakeLast(ProgressLinesKept + 1));
        var progress = nonEmpty.Where(l => !CauseLine().IsMatch(l)).TakeLast(ProgressLinesKept).ToList();
        var text = string.Join(" | ", causes);
        return progress.Count == 0 ? text : $"{text} (last progress: {string.Join(" | ", progress)})";
    }

    /// <summary>An exception from Npgsql with its innermost cause (the server's words, the socket or stream) first.</summary>
    public static string Describe(Exception ex)
    {
        var messages = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            var message = e is PostgresException pg ? $"{pg.Severity} {pg.SqlState}: {pg.MessageText}" : e.Message;
            if (!messages.Contains(message)) messages.Add(message);
            if (e is PostgresException) break;
        }
        var lost = ex is NpgsqlException and not PostgresException && ex.InnerException is IOException or System.Net.Sockets.SocketException;
        var cause = messages[^1];
        var wrappers = messages.Take(messages.Count - 1).ToList();
        return (lost ? "the connection to PostgreSQL was lost: " : "") + cause + (wrappers.Count == 0 ? "" : $" ({string.Join(": ", wrappers)})");
    }
}
