using System.Text;
using DeployOps.Engine.Audit;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// Expands <c>${env:NAME}</c> and <c>${file:path}</c> references in configuration strings. Every value it
/// produces is registered with the redactor, so secrets never need to be written in the file or shown.
/// <c>$${</c> stands for a literal <c>${</c>.
/// </summary>
internal sealed class SecretResolver
{
    private readonly string _baseDirectory;
    private readonly Redactor _redactor;
    private readonly Func<string, string?> _environment;

    public SecretResolver(string baseDirectory, Redactor redactor, Func<string, string?>? environment = null)
    {
        _baseDirectory = baseDirectory;
        _redactor = redactor;
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>Returns the expanded text, or null with <paramref name="problem"/> set when a reference cannot be resolved.</summary>
    public string? Expand(string text, out string? problem, out bool containedReference)
    {
        problem = null;
        containedReference = false;
        if (!text.Contains("${", StringComparison.Ordinal)) return text;

        var result = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && i + 2 < text.Length && text[i + 1] == '$' && text[i + 2] == '{')
            {
                result.Append("${");
                i += 3;
                continue;
            }
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var end = text.IndexOf('}', i + 2);
                if (end < 0)
                {
                    problem = "unterminated reference: expected '}' after '${'";
                    return null;
                }
                var reference = text.Substring(i + 2, end - i - 2);
                var value = Resolve(reference, out problem);
                if (value is null) return null;
                containedReference = true;
                _redactor.Add(value);
                result.Append(value);
                i = end + 1;
                continue;
            }
            result.Append(text[i]);
            i++;
        }
        return result.ToString();
    }

    private string? Resolve(string reference, out string? problem)
    {
        problem = null;
        var colon = reference.IndexOf(':');
        var scheme = colon < 0 ? "" : reference[..colon].Trim().ToLowerInvariant();
        var name = colon < 0 ? reference.Trim() : reference[(colon + 1)..].Trim();
        switch (scheme)
        {
            case "env":
                var value = _environment(name);
                if (string.IsNullOrEmpty(value))
                {
                    problem = $"environment variable '{name}' is not set (referenced as ${{env:{name}}})";
                    return null;
                }
                Processes.ChildEnvironment.Scrub(name); // a secret now: no child inherits it unless a step exports it
                return value;
            case "file":
                if (name.Length == 0)
                {
                    problem = "empty reference ${file:}: name the file that holds the secret";
                    return null;
                }
                if (name.Contains('\0'))
                {
                    problem = "the ${file:…} reference contains a NUL character";
                    return null;
                }
                return SecretFile.Read(Path.IsPathRooted(name) ? name : Path.Combine(_baseDirectory, name), name, out problem);
            default:
                problem = $"unknown reference '${{{reference}}}': use ${{env:NAME}} or ${{file:path}}";
                return null;
        }
    }
}
