using DeployOps.Engine.Audit;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Checks.Support;

namespace DeployOps.Engine.Tests.Security;

/// <summary>The redactor masks whole occurrences of real secrets, never a piece of a word, and never tells a length.</summary>
public sealed class RedactorTests : IDisposable
{
    private readonly string _variable = "DEPLOYOPS_T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant() + "_SECRET_KEY";

    [Fact]
    public void A_secret_is_masked_where_it_stands_alone_and_never_inside_a_longer_word()
    {
        var redactor = new Redactor();
        redactor.Add("hunter22");
        Assert.Equal("password ***, again: *** and '***'", redactor.Redact("password hunter22, again: hunter22 and 'hunter22'"));
        Assert.Equal("url http://app:***@db/x?key=***&y=1", redactor.Redact("url http://app:hunter22@db/x?key=hunter22&y=1"));
        Assert.Equal("Authorization: Bearer ***", redactor.Redact("Authorization: Bearer hunter22"));
        // Part of another token is not an occurrence: "hunter222" and "xhunter22" are other words.
        Assert.Equal("hunter222 xhunter22 hunter22_old", redactor.Redact("hunter222 xhunter22 hunter22_old"));
    }

    [Fact]
    public void Short_values_are_not_secrets_so_ordinary_words_stay_intact()
    {
        var redactor = new Redactor();
        redactor.Add("short");
        redactor.Add("admin");
        Assert.Equal(0, redactor.Count);
        Assert.Equal("SECRET_KEY is shorter than 50 characters; admin logged in", redactor.Redact("SECRET_KEY is shorter than 50 characters; admin logged in"));
    }

    [Fact]
    public void The_mask_is_the_same_whatever_the_length_of_the_secret()
    {
        var redactor = new Redactor();
        redactor.Add("sixsix");
        redactor.Add("a-much-longer-secret-value-0123456789");
        Assert.Equal("*** ***", redactor.Redact("sixsix a-much-longer-secret-value-0123456789"));
    }

    [Fact]
    public async Task The_secrets_check_says_too_short_without_printing_or_garbling_the_value()
    {
        Environment.SetEnvironmentVariable(_variable, "short");
        var result = await ConfiguredCheck.RunAsync($"  - name: secrets\n    kind: secrets\n    variables:\n      - {{ name: {_variable}, minLength: 50 }}\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal($"1 of 1 secret(s) not ready: {_variable} is too short (minimum 50 characters)", result.Message);
        Assert.DoesNotContain("***", result.Message);
    }

    [Fact]
    public async Task A_value_too_short_to_be_masked_fails_the_secrets_check_even_without_a_minLength()
    {
        Environment.SetEnvironmentVariable(_variable, "k3y9");
        var result = await ConfiguredCheck.RunAsync($"  - name: secrets\n    kind: secrets\n    variables:\n      - {_variable}\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains($"{_variable} is too short to be a secret", result.Message);
        Assert.DoesNotContain("k3y9", result.Message);
        Assert.Equal(_variable, result.Data["tooShort"]);
    }

    public void Dispose() => Environment.SetEnvironmentVariable(_variable, null);
}
