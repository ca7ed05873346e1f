using DeployOps.Engine.Audit;

namespace DeployOps.Engine.Checks.Secrets;

/// <summary>
/// Checks that required secrets are present in the environment, long enough and not template leftovers.
/// Values are registered with the redactor as soon as they are read and are never put into any text or data:
/// only variable names and what is wrong with them are reported (not even lengths).
/// </summary>
internal sealed class SecretsCheck : ICheck
{
    private readonly IReadOnlyList<RequiredVariable> _variables;
    private readonly PlaceholderDetector _placeholders;
    private readonly Redactor _redactor;
    private readonly Func<string, string?> _environment;

    public SecretsCheck(IReadOnlyList<RequiredVariable> variables, PlaceholderDetector placeholders, Redactor redactor,
        Func<string, string?> environment)
    {
        _variables = variables;
        _placeholders = placeholders;
        _redactor = redactor;
        _environment = environment;
    }

    public string Target => "env: " + string.Join(", ", _variables.Select(v => v.Name));

    public Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        var empty = new List<string>();
        var tooShort = new List<string>();
        var placeholder = new List<string>();
        var problems = new List<string>();
        foreach (var variable in _variables)
        {
            var value = _environment(variable.Name);
            if (value is null)
            {
                missing.Add(variable.Name);
                problems.Add($"{variable.Name} is not set");
                continue;
            }
            _redactor.Add(value);
            if (value.Trim().Length == 0)
            {
                empty.Add(variable.Name);
                problems.Add($"{variable.Name} is empty");
            }
            else if (value.Length < variable.MinLength)
            {
                tooShort.Add(variable.Name);
                problems.Add($"{variable.Name} is too short (minimum {variable.MinLength} characters)");
            }
            else if (_placeholders.IsPlaceholder(value))
            {
                placeholder.Add(variable.Name);
                problems.Add($"{variable.Name} holds a placeholder value");
            }
            else if (value.Length < Redactor.MinimumSecretLength)
            {
                // So short it is an ordinary word: output cannot mask it without garbling text.
                tooShort.Add(variable.Name);
                problems.Add($"{variable.Name} is too short to be a secret (minimum {Redactor.MinimumSecretLength} characters)");
            }
        }

        var data = new Dictionary<string, object?>
        {
            ["variables"] = string.Join(",", _variables.Select(v => v.Name)),
            ["ok"] = _variables.Count - problems.Count,
            ["missing"] = string.Join(",", missing),
            ["empty"] = string.Join(",", empty),
            ["tooShort"] = string.Join(",", tooShort),
            ["placeholder"] = string.Join(",", placeholder),
        };
        return Task.FromResult(problems.Count == 0
            ? CheckOutcome.Pass($"{_variables.Count} secret(s) set: {string.Join(", ", _variables.Select(v => v.Name))}", data)
            : CheckOutcome.Fail($"{problems.Count} of {_variables.Count} secret(s) not ready: {string.Join("; ", problems)}", data));
    }
}
