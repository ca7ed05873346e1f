using System.Globalization;

namespace DeployOps.Engine.Checks;

/// <summary>
/// Compares a configured expectation with a value found in a response or file the way an operator means it:
/// booleans by meaning (<c>false</c> = <c>False</c> = <c>no</c>), numbers by value (<c>3</c> = <c>3.0</c>),
/// everything else as exact text.
/// </summary>
internal static class ScalarMatch
{
    public static bool AreEqual(string expected, string actual)
    {
        if (TryBool(expected, out var eb) && TryBool(actual, out var ab)) return eb == ab;
        if (TryNumber(expected, out var en) && TryNumber(actual, out var an)) return en == an;
        return string.Equals(expected, actual, StringComparison.Ordinal);
    }

    private static bool TryBool(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "on": value = true; return true;
            case "false" or "no" or "off": value = false; return true;
            default: value = false; return false;
        }
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
