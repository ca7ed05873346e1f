using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Strategies.Steps;

/// <summary>The values a step's templates are rendered with for one target.</summary>
internal sealed class StepContext
{
    public StepContext(string version, string? previousVersion, string? slot, string? instance, string? host, int? port)
    {
        Version = version;
        PreviousVersion = previousVersion;
        Slot = slot;
        Instance = instance;
        Host = host;
        Port = port;
    }

    public string Version { get; }
    public string? PreviousVersion { get; }
    public string? Slot { get; }
    public string? Instance { get; }
    public string? Host { get; }
    public int? Port { get; }
    /// <summary>The application name for {app} (deployment.docker texts only; elsewhere {app} is left as it is).</summary>
    public string? App { get; private init; }
    /// <summary>The host command steps run on over ssh (the target's <c>target:</c>); null: here.</summary>
    public Targets.SshTarget? Remote { get; init; }
    /// <summary>The image id of the version being deployed, for {imageId} (deployment.docker only; resolved before the steps run).</summary>
    public string? ImageId { get; private init; }

    internal StepContext WithApp(string application) =>
        new(Version, PreviousVersion, Slot, Instance, Host, Port) { App = application, Remote = Remote, ImageId = ImageId };

    internal StepContext WithImageId(string imageId) =>
        new(Version, PreviousVersion, Slot, Instance, Host, Port) { App = App, Remote = Remote, ImageId = imageId };

    /// <summary>The same values as environment variables for command steps (DEPLOYOPS_VERSION, …).</summary>
    internal IReadOnlyDictionary<string, string> Variables() => new Dictionary<string, string>
    {
        ["DEPLOYOPS_VERSION"] = Version,
        ["DEPLOYOPS_PREVIOUS_VERSION"] = PreviousVersion ?? "",
        ["DEPLOYOPS_SLOT"] = Slot ?? "",
        ["DEPLOYOPS_INSTANCE"] = Instance ?? "",
        ["DEPLOYOPS_HOST"] = Host ?? "",
        ["DEPLOYOPS_PORT"] = Port?.ToString(CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>
    /// The placeholder values exactly as {name} renders them, as the variables bash/sh commands read them through
    /// (DEPLOYOPS_TEMPLATE_VERSION, …). Set after the step's own env, so a step cannot redirect a placeholder.
    /// </summary>
    internal IReadOnlyDictionary<string, string> TemplateVariables()
    {
        var variables = StepTemplate.Names.ToDictionary(StepTemplate.VariableFor, Value, StringComparer.Ordinal);
        if (App is not null) variables[StepTemplate.VariableFor("app")] = App;
        return variables;
    }

    internal bool Knows(string name) => name switch
    {
        "app" => App is not null,
        "imageId" => ImageId is not null,
        _ => true,
    };

    /// <summary>The value a placeholder stands for ({instance} falls back to the slot).</summary>
    internal string Value(string name) => name switch
    {
        "version" => Version,
        "previousVersion" => PreviousVersion ?? "",
        "slot" => Slot ?? "",
        "instance" => Instance ?? Slot ?? "",
        "port" => Port?.ToString(CultureInfo.InvariantCulture) ?? "",
        "host" => Host ?? "",
        "app" => App ?? "{app}",
        "imageId" => ImageId ?? "",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown placeholder"),
    };
}

/// <summary>Where a rendered template goes: each context substitutes values with its own quoting rules.</summary>
internal enum TemplateSyntax
{
    /// <summary>Plain text (messages, plans, HTTP bodies and headers, environment values, labels): the value as is.</summary>
    Text,
    /// <summary>A bash or sh command line: the value is read from a DEPLOYOPS_TEMPLATE_* variable, never parsed as code.</summary>
    PosixShell,
    /// <summary>A pwsh command line: the value as a PowerShell string literal ('…' with quotes doubled; $('…') inside "…").</summary>
    PowerShell,
    /// <summary>A file or folder path: every value must stay one path segment (no separator, not . or ..).</summary>
    Path,
    /// <summary>A URL: values are percent-encoded ({host} and {port} are validated and go in as they are).</summary>
    Url,
    /// <summary>A SQL statement: the value as a string literal ('…' with quotes doubled), or doubled inside '…' and "…".</summary>
    Sql,
}

/// <summary>
/// Renders {version}, {previousVersion}, {slot}, {instance}, {port}, {host} for one <see cref="TemplateSyntax"/>;
/// other braces are left alone. <c>{raw:name}</c> inserts the value unquoted in every context (the author takes
/// responsibility; Test-DeploymentConfig warns about each use).
/// </summary>
internal static partial class StepTemplate
{
    public static readonly IReadOnlyList<string> Names = new[] { "version", "previousVersion", "slot", "instance", "port", "host", "imageId" };

    // {app} (the application name) is a placeholder of deployment.docker texts only (see StepContext.App); {imageId}
    // (the image id of the version being deployed) is known to steps of a deployment.docker deployment.

    /// <summary>True when <paramref name="text"/> uses {name} or {raw:name}.</summary>
    public static bool Uses(string? text, string name) =>
        text is not null && (text.Contains("{" + name + "}", StringComparison.Ordinal) || text.Contains("{raw:" + name + "}", StringComparison.Ordinal));

    public const string RawPrefix = "raw:";

    [GeneratedRegex(@"\{(raw:)?(version|previousVersion|slot|instance|port|host|app|imageId)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\{raw:(version|previousVersion|slot|instance|port|host|app|imageId)\}")]
    private static partial Regex RawPlaceholder();

    /// <summary>The environment variable a bash/sh command reads a placeholder's value from.</summary>
    public static string VariableFor(string name) => name switch
    {
        "previousVersion" => "DEPLOYOPS_TEMPLATE_PREVIOUS_VERSION",
        _ => "DEPLOYOPS_TEMPLATE_" + name.ToUpperInvariant(),
    };

    /// <summary>The {raw:…} placeholders a text uses (for Test-DeploymentConfig's warnings).</summary>
    public static IReadOnlyList<string> RawPlaceholders(string? text) =>
        text is null ? Array.Empty<string>() : RawPlaceholder().Matches(text).Select(m => m.Value).ToList();

    /// <summary>Plain-text rendering (messages and plans; never for commands, paths, URLs or SQL).</summary>
    public static string Render(string text, StepContext context) => Render(text, context, TemplateSyntax.Text);

    public static string? RenderOrNull(string? text, StepContext context) => text is null ? null : Render(text, context);

    public static string? RenderOrNull(string? text, StepContext context, TemplateSyntax syntax) =>
        text is null ? null : Render(text, context, syntax);

    public static string Render(string text, StepContext context, TemplateSyntax syntax)
    {
        var matches = Placeholder().Matches(text);
        if (matches.Count == 0) return text;
        return syntax switch
        {
            TemplateSyntax.Text => Placeholder().Replace(text, m => !context.Knows(m.Groups[2].Value) ? m.Value : context.Value(m.Groups[2].Value)),
            TemplateSyntax.Path => Placeholder().Replace(text, m => !context.Knows(m.Groups[2].Value) ? m.Value
                : m.Groups[1].Success ? context.Value(m.Groups[2].Value) : PathSegment(m.Groups[2].Value, context)),
            TemplateSyntax.Url => Placeholder().Replace(text, m => !context.Knows(m.Groups[2].Value) ? m.Value
                : m.Groups[1].Success ? context.Value(m.Groups[2].Value) : UrlValue(m.Groups[2].Value, context)),
            TemplateSyntax.PosixShell => Quoted(text, matches, context, PosixQuoting.Instance),
            TemplateSyntax.PowerShell => Quoted(text, matches, context, PowerShellQuoting.Instance),
            TemplateSyntax.Sql => Quoted(text, matches, context, SqlQuoting.Instance),
            _ => throw new ArgumentOutOfRangeException(nameof(syntax)),
        };
    }

    /// <summary>The syntax of a command step's shell.</summary>
    public static TemplateSyntax ShellSyntax(string shell) =>
        string.Equals(shell, "pwsh", StringComparison.OrdinalIgnoreCase) ? TemplateSyntax.PowerShell : TemplateSyntax.PosixShell;

    private static string PathSegment(string name, StepContext context)
    {
        var value = context.Value(name);
        if (value is "." or ".." || value.IndexOfAny(new[] { '/', '\\', '\0', '\n', '\r' }) >= 0)
            throw Invalid(name, value, "it must stay one path segment (no '/', no '\\', not '.' or '..')");
        return value;
    }

    private static string UrlValue(string name, StepContext context)
    {
        var value = context.Value(name);
        if (name is "host")
        {
            if (value.Length > 0 && Security.Identifiers.HostProblem(value) is { } problem) throw Invalid(name, value, problem);
            return value;
        }
        return name is "port" ? value : Uri.EscapeDataString(value);
    }

    internal static DeployOpsException Invalid(string name, string value, string why) =>
        new(name is "version" or "previousVersion" ? ErrorIds.InvalidVersion : ErrorIds.InvalidTemplateValue, ErrorKind.InvalidArgument,
            $"{{{name}}} = '{Security.Identifiers.Printable(value)}' cannot be substituted: {why}", value);

    /// <summary>Walks the text with a quoting lexer so each placeholder is replaced with the form its position needs.</summary>
    private static string Quoted(string text, MatchCollection matches, StepContext context, Quoting quoting)
    {
        var lexer = quoting.NewLexer();
        var position = 0;
        foreach (Match m in matches)
        {
            for (; position < m.Index; position++) lexer.Advance(text, position);
            var name = m.Groups[2].Value;
            position = m.Index + m.Length;
            if (!context.Knows(name)) lexer.Emitted.Append(m.Value);
            else lexer.Emitted.Append(m.Groups[1].Success ? context.Value(name) : quoting.Quote(name, context.Value(name), lexer));
        }
        return lexer.Finish(text, position);
    }

    /// <summary>Where in the quoting of the surrounding text a placeholder stands.</summary>
    internal enum QuoteState { Unquoted, Single, AnsiC, Double, LineComment, BlockComment, DollarQuoted }

    private abstract class Quoting
    {
        public abstract Lexer NewLexer();
        public abstract string Quote(string name, string value, Lexer lexer);
    }

    /// <summary>A minimal tokenizer of one quoting language; copies the text it advances over into <see cref="Emitted"/>.</summary>
    private abstract class Lexer
    {
        private readonly Stack<QuoteState> _outer = new();
        private int _skip;
        public StringBuilder Emitted { get; } = new();
        public QuoteState State { get; protected set; } = QuoteState.Unquoted;

        public void Advance(string text, int i)
        {
            Emitted.Append(text[i]);
            if (_skip > 0)
            {
                _skip--;
                return;
            }
            _skip = Step(text, i);
        }

        public string Finish(string text, int position)
        {
            Emitted.Append(text, position, text.Length - position);
            return Emitted.ToString();
        }

        /// <summary>Updates the state for the character at <paramref name="i"/>; returns how many following characters to copy unread.</summary>
        protected abstract int Step(string text, int i);

        protected void Push(QuoteState inner)
        {
            _outer.Push(State);
            State = inner;
        }

        protected bool Pop()
        {
            if (_outer.Count == 0) return false;
            State = _outer.Pop();
            return true;
        }

        public virtual bool InDollarQuote => false;

        protected static char At(string text, int i) => i < text.Length ? text[i] : '\0';
    }

    /// <summary>bash/sh: the value never enters the command text; "${DEPLOYOPS_TEMPLATE_…}" is expanded by the shell as data.</summary>
    private sealed class PosixQuoting : Quoting
    {
        public static readonly PosixQuoting Instance = new();

        public override Lexer NewLexer() => new PosixLexer();

        public override string Quote(string name, string value, Lexer lexer)
        {
            var state = lexer.State;
            var variable = "${" + VariableFor(name) + "}";
            return state switch
            {
                QuoteState.Double => variable,
                QuoteState.Single => "'\"" + variable + "\"'",
                QuoteState.AnsiC => "'\"" + variable + "\"$'",
                // In a comment the value is not run; a line break in it would end the comment, so it is left out.
                QuoteState.LineComment => "{" + name + "}",
                _ => "\"" + variable + "\"",
            };
        }

        /// <summary>POSIX single-quote quoting of a literal: ' becomes '\'' (for shell text built outside templates).</summary>
        public static string Literal(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

        private sealed class PosixLexer : Lexer
        {
            protected override int Step(string text, int i)
            {
                var c = text[i];
                switch (State)
                {
                    case QuoteState.Single:
                        if (c == '\'') Pop();
                        return 0;
                    case QuoteState.AnsiC:
                        if (c == '\\') return 1;
                        if (c == '\'') Pop();
                        return 0;
                    case QuoteState.LineComment:
                        if (c == '\n') Pop();
                        return 0;
                    case QuoteState.Double:
                        if (c == '\\') return 1;
                        if (c == '"') Pop();
                        else if (c == '$' && At(text, i + 1) == '(') { Push(QuoteState.Unquoted); return 1; }
                        else if (c == '`') Push(QuoteState.Unquoted);
                        return 0;
                    default:
                        if (c == '\\') return 1;
                        if (c == '\'') Push(QuoteState.Single);
                        else if (c == '$' && At(text, i + 1) == '\'') { Push(QuoteState.AnsiC); return 1; }
                        else if (c == '"') Push(QuoteState.Double);
                        else if (c == '$' && At(text, i + 1) == '(') { Push(QuoteState.Unquoted); return 1; }
                        else if (c == '(') Push(QuoteState.Unquoted);
                        else if (c == ')' || c == '`') { if (!Pop() && c == '`') Push(QuoteState.Unquoted); }
                        else if (c == '#' && (i == 0 || char.IsWhiteSpace(text[i - 1]) || text[i - 1] is ';' or '&' or '|' or '('))
                            Push(QuoteState.LineComment);
                        return 0;
                }
            }
        }
    }

    /// <summary>pwsh: the value as a literal string; ' and the typographic single quotes are doubled. Inside "…" it is $('…').</summary>
    private sealed class PowerShellQuoting : Quoting
    {
        public static readonly PowerShellQuoting Instance = new();
        private const string SingleQuotes = "'\u2018\u2019\u201A\u201B";
        private const string DoubleQuotes = "\"\u201C\u201D\u201E";

        public override Lexer NewLexer() => new PowerShellLexer();

        public override string Quote(string name, string value, Lexer lexer)
        {
            switch (lexer.State)
            {
                case QuoteState.Double:
                    // A subexpression holding a single-quoted literal: nothing in it is expanded or escaped.
                    return "$('" + DoubleSingleQuotes(value) + "')";
                case QuoteState.Single:
                    return DoubleSingleQuotes(value);
                case QuoteState.LineComment or QuoteState.BlockComment:
                    return "{" + name + "}";
                default:
                    return "'" + DoubleSingleQuotes(value) + "'";
            }
        }

        private static string DoubleSingleQuotes(string value)
        {
            var text = new StringBuilder();
            foreach (var c in value)
            {
                if (SingleQuotes.Contains(c)) text.Append(c);
                text.Append(c);
            }
            return text.ToString();
        }

        private sealed class PowerShellLexer : Lexer
        {
            protected override int Step(string text, int i)
            {
                var c = text[i];
                switch (State)
                {
                    case QuoteState.Single:
                        if (SingleQuotes.Contains(c))
                        {
                            if (SingleQuotes.Contains(At(text, i + 1))) return 1;
                            Pop();
                        }
                        return 0;
                    case QuoteState.Double:
                        if (c == '`') return 1;
                        if (DoubleQuotes.Contains(c))
                        {
                            if (DoubleQuotes.Contains(At(text, i + 1))) return 1;
                            Pop();
                        }
                        else if (c == '$' && At(text, i + 1) == '(') { Push(QuoteState.Unquoted); return 1; }
                        return 0;
                    case QuoteState.LineComment:
                        if (c == '\n') Pop();
                        return 0;
                    case QuoteState.BlockComment:
                        if (c == '#' && At(text, i + 1) == '>') { Pop(); return 1; }
                        return 0;
                    default:
                        if (c == '`') return 1;
                        if (SingleQuotes.Contains(c)) Push(QuoteState.Single);
                        else if (DoubleQuotes.Contains(c)) Push(QuoteState.Double);
                        else if (c == '<' && At(text, i + 1) == '#') { Push(QuoteState.BlockComment); return 1; }
                        else if (c == '#') Push(QuoteState.LineComment);
                        else if (c == '$' && At(text, i + 1) == '(') { Push(QuoteState.Unquoted); return 1; }
                        else if (c == '(' ) Push(QuoteState.Unquoted);
                        else if (c == ')') Pop();
                        return 0;
                }
            }
        }
    }

    /// <summary>
    /// SQL: outside quotes the value becomes a string literal '…'; inside '…' and "…" the quote is doubled. Values with a
    /// backslash or NUL are refused (E'' strings), and '$' inside a dollar-quoted body, so no value can end a quote.
    /// </summary>
    private sealed class SqlQuoting : Quoting
    {
        public static readonly SqlQuoting Instance = new();

        public override Lexer NewLexer() => new SqlLexer();

        public override string Quote(string name, string value, Lexer lexer)
        {
            if (value.IndexOfAny(new[] { '\\', '\0' }) >= 0) throw Invalid(name, value, "SQL text cannot hold a backslash or NUL");
            if (lexer.InDollarQuote && value.Contains('$')) throw Invalid(name, value, "a value inside a dollar-quoted body cannot hold '$'");
            return lexer.State switch
            {
                QuoteState.Single => value.Replace("'", "''", StringComparison.Ordinal),
                QuoteState.Double => value.Replace("\"", "\"\"", StringComparison.Ordinal),
                QuoteState.LineComment or QuoteState.BlockComment => "{" + name + "}",
                _ => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'",
            };
        }

        private sealed class SqlLexer : Lexer
        {
            private int _dollarDepth;

            protected override int Step(string text, int i)
            {
                var c = text[i];
                switch (State)
                {
                    case QuoteState.Single:
                        if (c == '\'') { if (At(text, i + 1) == '\'') return 1; Pop(); }
                        return 0;
                    case QuoteState.Double:
                        if (c == '"') { if (At(text, i + 1) == '"') return 1; Pop(); }
                        return 0;
                    case QuoteState.LineComment:
                        if (c == '\n') Pop();
                        return 0;
                    case QuoteState.BlockComment:
                        if (c == '*' && At(text, i + 1) == '/') { Pop(); return 1; }
                        return 0;
                    default:
                        if (c == '\'') Push(QuoteState.Single);
                        else if (c == '"') Push(QuoteState.Double);
                        else if (c == '-' && At(text, i + 1) == '-') { Push(QuoteState.LineComment); return 1; }
                        else if (c == '/' && At(text, i + 1) == '*') { Push(QuoteState.BlockComment); return 1; }
                        else if (c == '$' && DollarTag(text, i) is { } tag)
                        {
                            // The body of DO $$ … $$ and functions is SQL again: its quotes are tracked as top-level ones.
                            _dollarDepth = _dollarDepth == 0 ? 1 : 0;
                            return tag.Length - 1;
                        }
                        return 0;
                }
            }

            public override bool InDollarQuote => _dollarDepth > 0;

            private static string? DollarTag(string text, int i)
            {
                var end = i + 1;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) end++;
                if (end >= text.Length || text[end] != '$') return null;
                if (end > i + 1 && char.IsAsciiDigit(text[i + 1])) return null; // $1 is a parameter
                return text[i..(end + 1)];
            }
        }
    }
}
