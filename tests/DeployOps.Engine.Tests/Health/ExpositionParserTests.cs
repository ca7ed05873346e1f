using DeployOps.Engine.Health.Exposition;

namespace DeployOps.Engine.Tests.Health;

public sealed class ExpositionParserTests
{
    [Fact]
    public void Parses_help_type_labels_special_values_and_timestamps()
    {
        const string text = """
            # A plain comment that is neither HELP nor TYPE
            # HELP http_requests_total Requests handled.\nSecond line with a \\ backslash.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400",} 3 1395066363000

            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.5"} NaN
            metric_without_timestamp_and_labels 12.47
            something_weird{problem="division by zero"} +Inf -3982045
            negative_infinity -Inf
            msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
            	  indented_with_tab   { a = "1" , b="2" }   7
            """;
        var parsed = ExpositionParser.Parse(text);

        Assert.Equal(MetricType.Counter, parsed.TypeOf("http_requests_total"));
        Assert.Equal(MetricType.Summary, parsed.TypeOf("rpc_duration_seconds"));
        Assert.Equal("Requests handled.\nSecond line with a \\ backslash.", parsed.Help["http_requests_total"]);
        Assert.Equal(8, parsed.Samples.Count);

        var requests = parsed.Series("http_requests_total");
        Assert.Equal(2, requests.Count);
        Assert.Equal(1027, requests[0].Value);
        Assert.Equal(1395066363000, requests[0].TimestampMs);
        Assert.Equal("400", requests[1].Label("code"));

        Assert.True(double.IsNaN(parsed.Series("rpc_duration_seconds")[0].Value));
        Assert.Null(parsed.Series("metric_without_timestamp_and_labels")[0].TimestampMs);
        var weird = parsed.Series("something_weird")[0];
        Assert.True(double.IsPositiveInfinity(weird.Value));
        Assert.Equal(-3982045, weird.TimestampMs);
        Assert.True(double.IsNegativeInfinity(parsed.Series("negative_infinity")[0].Value));

        var msdos = parsed.Series("msdos_file_access_time_seconds")[0];
        Assert.Equal(@"C:\DIR\FILE.TXT", msdos.Label("path"));
        Assert.Equal("Cannot find file:\n\"FILE.TXT\"", msdos.Label("error"));
        Assert.Equal(1.458255915e9, msdos.Value);

        var indented = parsed.Series("indented_with_tab")[0];
        Assert.Equal("1", indented.Label("a"));
        Assert.Equal("2", indented.Label("b"));
        Assert.Equal(7, indented.Value);
    }

    [Fact]
    public void Accepts_crlf_line_ends_an_empty_input_and_a_label_value_with_braces_and_commas()
    {
        var parsed = ExpositionParser.Parse("a{x=\"}{,=\"} 1\r\nb 2\r\n");
        Assert.Equal("}{,=", parsed.Series("a")[0].Label("x"));
        Assert.Equal(2, parsed.Series("b")[0].Value);
        Assert.Empty(ExpositionParser.Parse("").Samples);
        Assert.Empty(ExpositionParser.Parse("\n\n# only comments\n").Samples);
    }

    [Fact]
    public void Histogram_buckets_keep_their_le_labels()
    {
        var parsed = ExpositionParser.Parse("""
            # TYPE d histogram
            d_bucket{le="0.1"} 2
            d_bucket{le="+Inf"} 5
            d_sum 1.5
            d_count 5
            """);
        Assert.Equal(MetricType.Histogram, parsed.TypeOf("d"));
        Assert.Equal(new[] { "0.1", "+Inf" }, parsed.Series("d_bucket").Select(s => s.Label("le")));
    }

    [Theory]
    [InlineData("ok 1\nbad{a=\"1\" 2", 2, "expected ',' or '}'")]
    [InlineData("x{a=\"1\"} 1\ny{a=\"unterminated} 2", 2, "unterminated value of label 'a'")]
    [InlineData("m{a=1} 3", 1, "expected '\"' to open the value of label 'a'")]
    [InlineData("m{a=\"\\q\"} 3", 1, "invalid escape sequence '\\q'")]
    [InlineData("m 12abc", 1, "expected a number, +Inf, -Inf or NaN, got '12abc'")]
    [InlineData("m", 1, "missing value for metric 'm'")]
    [InlineData("a 1\nb 2\nm 1 notatime", 3, "expected a timestamp in milliseconds")]
    [InlineData("m 1 123 extra", 1, "unexpected text after the timestamp")]
    [InlineData("1metric 2", 1, "expected a metric name, got '1'")]
    [InlineData("# TYPE m fancy", 1, "unknown metric type 'fancy'")]
    [InlineData("# TYPE m counter\n# TYPE m gauge", 2, "second TYPE line for metric 'm'")]
    [InlineData("m{a=\"1\",a=\"2\"} 1", 1, "duplicate label 'a'")]
    [InlineData("m{9a=\"1\"} 1", 1, "expected a label name, got '9'")]
    [InlineData("m{a=\"1\"", 1, "unterminated label set")]
    [InlineData("<html>\n<body>", 1, "expected a metric name, got '<'")]
    public void Malformed_input_names_the_line_and_what_was_expected(string text, int line, string problem)
    {
        var error = Assert.Throws<ExpositionFormatException>(() => ExpositionParser.Parse(text));
        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith($"line {line}, column ", error.Message);
    }

    [Fact]
    public void Random_garbage_never_escapes_as_anything_but_a_format_error()
    {
        var random = new Random(42);
        const string alphabet = "ab_{}=\",\\ \n#+-.0123456789eInfNa\t";
        for (var i = 0; i < 2000; i++)
        {
            var chars = new char[random.Next(1, 60)];
            for (var j = 0; j < chars.Length; j++) chars[j] = alphabet[random.Next(alphabet.Length)];
            try { ExpositionParser.Parse(new string(chars)); }
            catch (ExpositionFormatException) { }
        }
    }
}
