using System.Text;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Traffic;

/// <summary>One nginx directive with the file and line it came from; a block directive has children.</summary>
internal sealed record NginxDirective(string Name, IReadOnlyList<string> Arguments, string File, int Line,
    IReadOnlyList<NginxDirective>? Block)
{
    public string Location => $"{File}:{Line}";
}

/// <summary>
/// Reads nginx configuration syntax (directives, blocks, quotes, # comments) and expands <c>include</c> the way
/// nginx does: a relative path is resolved against the directory of the main configuration file (nginx's conf
/// prefix), and a file-name wildcard reads the matching files in name order. Text that is not valid nginx syntax is
/// refused as TrafficStateUnknown naming file:line, because a wrong reading could deploy onto the live slot.
/// </summary>
internal static class NginxConfigReader
{
    private const int MaxIncludeDepth = 16;

    /// <param name="confDirectory">nginx's conf prefix (the directory of nginx.conf), or null when it is not known.</param>
    public static IReadOnlyList<NginxDirective> ReadFile(string path, string? confDirectory) =>
        ReadFile(Path.GetFullPath(path), confDirectory, 0);

    /// <summary>The conf prefix nginx uses for <paramref name="nginxArguments"/> (<c>-p</c>, <c>-c</c>), or null when there is no <c>-c</c>.</summary>
    public static string? ConfDirectory(string nginxArguments)
    {
        var words = nginxArguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        string? prefix = null, conf = null;
        for (var i = 0; i + 1 < words.Length; i++)
        {
            if (words[i] == "-p") prefix = words[i + 1].Trim('"', '\'');
            if (words[i] == "-c") conf = words[i + 1].Trim('"', '\'');
        }
        if (conf is null) return null;
        // nginx resolves a relative -c against its prefix (-p); without -p that is a compiled-in path we cannot see.
        if (!Path.IsPathRooted(conf)) conf = prefix is null ? null : Path.Combine(prefix, conf);
        return conf is null ? null : Path.GetDirectoryName(Path.GetFullPath(conf));
    }

    private static IReadOnlyList<NginxDirective> ReadFile(string path, string? confDirectory, int depth)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unknown(path, 0, $"cannot be read ({ex.Message})");
        }
        var tokens = Tokenize(text, path);
        var index = 0;
        var directives = ParseBlock(tokens, ref index, path, closedByBrace: false);
        return Expand(directives, confDirectory, depth);
    }

    private static IReadOnlyList<NginxDirective> Expand(IReadOnlyList<NginxDirective> directives, string? confDirectory, int depth)
    {
        var result = new List<NginxDirective>();
        foreach (var d in directives)
        {
            if (d.Name != "include" || d.Block is not null)
            {
                result.Add(d.Block is null ? d : d with { Block = Expand(d.Block, confDirectory, depth) });
                continue;
            }
            if (d.Arguments.Count != 1) throw Unknown(d.File, d.Line, "include takes exactly one file");
            if (depth >= MaxIncludeDepth) throw Unknown(d.File, d.Line, $"includes nest deeper than {MaxIncludeDepth} files (a loop?)");
            foreach (var file in IncludedFiles(d, confDirectory))
                result.AddRange(ReadFile(file, confDirectory, depth + 1));
        }
        return result;
    }

    private static IEnumerable<string> IncludedFiles(NginxDirective include, string? confDirectory)
    {
        var pattern = include.Arguments[0];
        if (pattern.Contains('$')) throw Unknown(include.File, include.Line, $"include '{pattern}' uses a variable");
        if (!Path.IsPathRooted(pattern))
        {
            if (confDirectory is null)
                throw Unknown(include.File, include.Line, $"include '{pattern}' is relative to nginx's conf directory, which is " +
                    "only known when traffic.nginxArguments names the configuration (-c /path/nginx.conf); use an absolute path or add -c");
            pattern = Path.Combine(confDirectory, pattern);
        }
        var directory = Path.GetDirectoryName(pattern)!;
        var name = Path.GetFileName(pattern);
        if (directory.IndexOfAny(new[] { '*', '?', '[' }) >= 0)
            throw Unknown(include.File, include.Line, $"include '{include.Arguments[0]}' has a wildcard in a directory name");
        if (name.IndexOfAny(new[] { '*', '?', '[' }) < 0)
        {
            if (!File.Exists(pattern)) throw Unknown(include.File, include.Line, $"included file {pattern} does not exist");
            return new[] { pattern };
        }
        if (name.Contains('[')) throw Unknown(include.File, include.Line, $"include '{include.Arguments[0]}' uses a [ ] wildcard");
        // nginx's glob() returns the matches sorted; no match is not an error for a wildcard.
        return Directory.Exists(directory)
            ? Directory.GetFiles(directory, name).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray()
            : Array.Empty<string>();
    }

    private enum Kind { Word, Semicolon, Open, Close }

    private readonly record struct Token(Kind Kind, string Text, int Line);

    private static List<NginxDirective> ParseBlock(List<Token> tokens, ref int index, string file, bool closedByBrace)
    {
        var directives = new List<NginxDirective>();
        while (index < tokens.Count)
        {
            var first = tokens[index];
            if (first.Kind == Kind.Close)
            {
                if (!closedByBrace) throw Unknown(file, first.Line, "unexpected '}'");
                index++;
                return directives;
            }
            if (first.Kind != Kind.Word) throw Unknown(file, first.Line, $"unexpected '{first.Text}'");
            var arguments = new List<string>();
            index++;
            while (index < tokens.Count && tokens[index].Kind == Kind.Word) arguments.Add(tokens[index++].Text);
            if (index >= tokens.Count) throw Unknown(file, first.Line, $"directive '{first.Text}' is not terminated by ';' or '{{'");
            var end = tokens[index++];
            if (end.Kind == Kind.Semicolon) directives.Add(new NginxDirective(first.Text, arguments, file, first.Line, null));
            else if (end.Kind == Kind.Open)
                directives.Add(new NginxDirective(first.Text, arguments, file, first.Line, ParseBlock(tokens, ref index, file, closedByBrace: true)));
            else throw Unknown(file, end.Line, $"directive '{first.Text}' is not terminated by ';' or '{{'");
        }
        if (closedByBrace) throw Unknown(file, tokens.Count == 0 ? 1 : tokens[^1].Line, "a block is not closed with '}'");
        return directives;
    }

    private static List<Token> Tokenize(string text, string file)
    {
        var tokens = new List<Token>();
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n') { line++; i++; continue; }
            if (char.IsWhiteSpace(c)) { i++; continue; }
            // As in nginx, '#' starts a comment only where a new token would start.
            if (c == '#') { while (i < text.Length && text[i] != '\n') i++; continue; }
            if (c is ';' or '{' or '}')
            {
                tokens.Add(new Token(c == ';' ? Kind.Semicolon : c == '{' ? Kind.Open : Kind.Close, c.ToString(), line));
                i++;
                continue;
            }
            var start = line;
            var word = new StringBuilder();
            if (c is '"' or '\'')
            {
                i++;
                while (i < text.Length && text[i] != c)
                {
                    if (text[i] == '\\' && i + 1 < text.Length) i++;
                    if (text[i] == '\n') line++;
                    word.Append(text[i++]);
                }
                if (i >= text.Length) throw Unknown(file, start, "a quoted string is not closed");
                i++;
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (';' or '{' or '}'))
                {
                    if (text[i] == '\\' && i + 1 < text.Length) i++;
                    word.Append(text[i++]);
                }
            }
            tokens.Add(new Token(Kind.Word, word.ToString(), start));
        }
        return tokens;
    }

    internal static DeployOpsException Unknown(string file, int line, string problem) =>
        new(ErrorIds.TrafficStateUnknown, ErrorKind.InvalidData,
            $"{(line > 0 ? $"{file}:{line}" : file)}: {problem}", file);
}
