using System.Globalization;

namespace DeployOps.Engine.Health.Exposition;

/// <summary>
/// Parser of the Prometheus text exposition format (version 0.0.4): comments, <c># HELP</c> and <c># TYPE</c>,
/// label values with the escapes <c>\\ \" \n</c>, the values <c>+Inf</c>, <c>-Inf</c> and <c>NaN</c>, optional
/// millisecond timestamps. Malformed input raises <see cref="ExpositionFormatException"/> naming the line and
/// column; nothing else escapes. A hand-written scanner: no regular expressions, one pass, no copies of lines.
/// </summary>
internal static class ExpositionParser
{
    public static ParsedExposition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<MetricSample>();
        var types = new Dictionary<string, MetricType>(StringComparer.Ordinal);
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new NameCache();
        var lineNumber = 0;
        var start = 0;
        while (start <= text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0) end = text.Length;
            lineNumber++;
            var length = end - start;
            if (length > 0 && text[end - 1] == '\r') length--;
            var line = new Line(text, start, length, lineNumber);
            if (line.Length > 0)
            {
                var first = line.SkipBlanks(0);
                if (first < line.Length)
                {
                    if (line[first] == '#') ParseComment(line, first, types, help);
                    else samples.Add(ParseSample(line, first, names));
                }
            }
            if (end == text.Length) break;
            start = end + 1;
        }
        return new ParsedExposition(samples, types, help);
    }

    private static void ParseComment(Line line, int at, Dictionary<string, MetricType> types, Dictionary<string, string> help)
    {
        var pos = line.SkipBlanks(at + 1);
        var keywordStart = pos;
        while (pos < line.Length && !IsBlank(line[pos])) pos++;
        var keyword = line.Slice(keywordStart, pos);
        if (keyword is not ("HELP" or "TYPE")) return; // an ordinary comment
        pos = line.SkipBlanks(pos);
        var nameStart = pos;
        pos = ReadMetricName(line, pos);
        var name = line.Slice(nameStart, pos);
        if (pos < line.Length && !IsBlank(line[pos]))
            throw line.Error(pos, $"unexpected character '{line[pos]}' in the metric name of a {keyword} line");
        pos = line.SkipBlanks(pos);
        if (keyword == "HELP")
        {
            if (help.ContainsKey(name)) throw line.Error(nameStart, $"second HELP line for metric '{name}'");
            help[name] = Unescape(line, pos, line.Length, allowQuote: false);
            return;
        }
        var typeText = line.Slice(pos, line.Length).TrimEnd();
        MetricType type = typeText switch
        {
            "counter" => MetricType.Counter,
            "gauge" => MetricType.Gauge,
            "histogram" => MetricType.Histogram,
            "summary" => MetricType.Summary,
            "untyped" => MetricType.Untyped,
            _ => throw line.Error(pos, $"unknown metric type '{typeText}' (expected counter, gauge, histogram, summary or untyped)"),
        };
        if (types.ContainsKey(name)) throw line.Error(nameStart, $"second TYPE line for metric '{name}'");
        types[name] = type;
    }

    private static MetricSample ParseSample(Line line, int pos, NameCache names)
    {
        var nameStart = pos;
        pos = ReadMetricName(line, pos);
        var name = names.Get(line.Span(nameStart, pos));
        pos = line.SkipBlanks(pos);
        List<KeyValuePair<string, string>>? labels = null;
        if (pos < line.Length && line[pos] == '{')
        {
            labels = new List<KeyValuePair<string, string>>(4);
            pos = ParseLabels(line, pos + 1, labels, names);
            pos = line.SkipBlanks(pos);
        }
        if (pos >= line.Length) throw line.Error(pos, $"missing value for metric '{name}'");
        var valueStart = pos;
        while (pos < line.Length && !IsBlank(line[pos])) pos++;
        var value = ParseValue(line, valueStart, pos);
        pos = line.SkipBlanks(pos);
        long? timestamp = null;
        if (pos < line.Length)
        {
            var tsStart = pos;
            while (pos < line.Length && !IsBlank(line[pos])) pos++;
            if (!long.TryParse(line.Span(tsStart, pos), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ts))
                throw line.Error(tsStart, $"expected a timestamp in milliseconds, got '{line.Slice(tsStart, pos)}'");
            timestamp = ts;
            pos = line.SkipBlanks(pos);
            if (pos < line.Length) throw line.Error(pos, $"unexpected text after the timestamp: '{line.Slice(pos, line.Length)}'");
        }
        return new MetricSample(name, labels, value, timestamp);
    }

    private static int ParseLabels(Line line, int pos, List<KeyValuePair<string, string>> labels, NameCache names)
    {
        while (true)
        {
            pos = line.SkipBlanks(pos);
            if (pos >= line.Length) throw line.Error(pos, "unterminated label set: expected '}'");
            if (line[pos] == '}') return pos + 1;
            var nameStart = pos;
            if (!IsLabelNameStart(line[pos])) throw line.Error(pos, $"expected a label name, got '{line[pos]}'");
            while (pos < line.Length && IsLabelNameChar(line[pos])) pos++;
            var labelName = names.Get(line.Span(nameStart, pos));
            pos = line.SkipBlanks(pos);
            if (pos >= line.Length || line[pos] != '=') throw line.Error(pos, $"expected '=' after label name '{labelName}'");
            pos = line.SkipBlanks(pos + 1);
            if (pos >= line.Length || line[pos] != '"') throw line.Error(pos, $"expected '\"' to open the value of label '{labelName}'");
            var valueStart = pos + 1;
            pos = valueStart;
            while (pos < line.Length && line[pos] != '"')
            {
                if (line[pos] == '\\') pos++;
                pos++;
            }
            if (pos >= line.Length) throw line.Error(valueStart - 1, $"unterminated value of label '{labelName}'");
            var labelValue = Unescape(line, valueStart, pos, allowQuote: true);
            foreach (var existing in labels)
                if (existing.Key == labelName) throw line.Error(nameStart, $"duplicate label '{labelName}'");
            labels.Add(new KeyValuePair<string, string>(labelName, labelValue));
            pos = line.SkipBlanks(pos + 1);
            if (pos < line.Length && line[pos] == ',') { pos++; continue; }
            if (pos < line.Length && line[pos] == '}') return pos + 1;
            throw line.Error(pos, pos < line.Length ? $"expected ',' or '}}' after label '{labelName}', got '{line[pos]}'" : "unterminated label set: expected '}'");
        }
    }

    private static double ParseValue(Line line, int start, int end)
    {
        var span = line.Span(start, end);
        if (span.Equals("+Inf", StringComparison.OrdinalIgnoreCase) || span.Equals("Inf", StringComparison.OrdinalIgnoreCase)) return double.PositiveInfinity;
        if (span.Equals("-Inf", StringComparison.OrdinalIgnoreCase)) return double.NegativeInfinity;
        if (span.Equals("NaN", StringComparison.OrdinalIgnoreCase)) return double.NaN;
        if (double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return value;
        throw line.Error(start, $"expected a number, +Inf, -Inf or NaN, got '{span.ToString()}'");
    }

    private static int ReadMetricName(Line line, int pos)
    {
        if (pos >= line.Length) throw line.Error(pos, "expected a metric name");
        if (!IsMetricNameStart(line[pos])) throw line.Error(pos, $"expected a metric name, got '{line[pos]}'");
        pos++;
        while (pos < line.Length && IsMetricNameChar(line[pos])) pos++;
        return pos;
    }

    private static string Unescape(Line line, int start, int end, bool allowQuote)
    {
        var span = line.Span(start, end);
        if (span.IndexOf('\\') < 0) return span.ToString();
        // Unescaping only shrinks the text, so a buffer of the escaped length always suffices.
        Span<char> buffer = span.Length <= 256 ? stackalloc char[span.Length] : new char[span.Length];
        var n = 0;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c != '\\') { buffer[n++] = c; continue; }
            if (i + 1 >= span.Length) throw line.Error(start + i, "a backslash ends the text; escape it as \\\\");
            var next = span[++i];
            switch (next)
            {
                case '\\': buffer[n++] = '\\'; break;
                case 'n': buffer[n++] = '\n'; break;
                case '"' when allowQuote: buffer[n++] = '"'; break;
                default:
                    if (!allowQuote) { buffer[n++] = '\\'; buffer[n++] = next; break; } // HELP keeps unknown escapes verbatim
                    throw line.Error(start + i - 1, $"invalid escape sequence '\\{next}' in a label value (allowed: \\\\, \\\", \\n)");
            }
        }
        return new string(buffer[..n]);
    }

    private static bool IsBlank(char c) => c is ' ' or '\t';
    private static bool IsMetricNameStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':';
    private static bool IsMetricNameChar(char c) => IsMetricNameStart(c) || c is >= '0' and <= '9';
    private static bool IsLabelNameStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';
    private static bool IsLabelNameChar(char c) => IsLabelNameStart(c) || c is >= '0' and <= '9';

    /// <summary>
    /// Metric and label names repeat on almost every line: hand out one string per distinct name instead of a new
    /// one per line (a scrape of 50,000 series has a few hundred distinct names).
    /// </summary>
    private sealed class NameCache
    {
        private readonly string?[] _slots = new string?[1024];

        public string Get(ReadOnlySpan<char> span)
        {
            var hash = string.GetHashCode(span);
            ref var slot = ref _slots[hash & (_slots.Length - 1)];
            if (slot is not null && span.SequenceEqual(slot)) return slot;
            return slot = span.ToString();
        }
    }

    /// <summary>A view of one line of the input; positions are relative to the line start.</summary>
    private readonly struct Line
    {
        private readonly string _text;
        private readonly int _start;

        public Line(string text, int start, int length, int number)
        {
            _text = text;
            _start = start;
            Length = length;
            Number = number;
        }

        public int Length { get; }
        public int Number { get; }
        public char this[int i] => _text[_start + i];
        public ReadOnlySpan<char> Span(int from, int to) => _text.AsSpan(_start + from, to - from);
        public string Slice(int from, int to) => _text.Substring(_start + from, to - from);

        public int SkipBlanks(int pos)
        {
            while (pos < Length && IsBlank(this[pos])) pos++;
            return pos;
        }

        public ExpositionFormatException Error(int pos, string problem) => new(Number, pos + 1, problem);
    }
}
