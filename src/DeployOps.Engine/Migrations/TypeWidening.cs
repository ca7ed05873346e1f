using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Migrations;

/// <summary>
/// Whether a column type change keeps every value the old type held and every value old code writes: a longer
/// varchar, varchar to text, a larger integer, more numeric digits, real to double. Anything else counts as a change.
/// </summary>
internal static partial class TypeWidening
{
    // Each family in widening order; a later member holds every value of an earlier one.
    private static readonly string[][] Ladders =
    {
        new[] { "smallint", "integer", "bigint", "numeric" },
        new[] { "real", "double precision" },
        new[] { "character varying", "text" },
        new[] { "bit varying" },
    };

    public static bool IsWidening(string before, string after)
    {
        if (before == after) return true;
        var (oldBase, oldArgs) = Split(before);
        var (newBase, newArgs) = Split(after);
        if (oldBase == newBase) return ArgumentsWiden(oldBase, oldArgs, newArgs);
        if (oldBase == "character varying" && newBase == "text") return true;
        if (oldBase == "text" && newBase == "character varying") return newArgs.Length == 0; // unconstrained varchar is text
        foreach (var ladder in Ladders)
        {
            var from = Array.IndexOf(ladder, oldBase);
            var to = Array.IndexOf(ladder, newBase);
            if (from >= 0 && to > from) return newBase != "numeric" || newArgs.Length == 0 || NumericHoldsInteger(oldBase, newArgs);
        }
        return false;
    }

    /// <summary>Same base type: fewer constraints (no modifier), a longer length, or more digits at the same scale.</summary>
    private static bool ArgumentsWiden(string baseType, int[] before, int[] after)
    {
        if (after.Length == 0) return baseType is "character varying" or "numeric" or "bit varying" || before.Length == 0;
        if (before.Length == 0) return false; // unconstrained → constrained narrows
        if (baseType == "numeric")
        {
            var (p1, s1) = (before[0], before.Length > 1 ? before[1] : 0);
            var (p2, s2) = (after[0], after.Length > 1 ? after[1] : 0);
            return s2 >= s1 && p2 - s2 >= p1 - s1;
        }
        // Fixed-width character(n) pads differently when lengthened: only varying kinds widen by length.
        if (baseType is "character varying" or "bit varying") return after[0] >= before[0];
        return false;
    }

    private static bool NumericHoldsInteger(string integerType, int[] args)
    {
        var digits = integerType switch { "smallint" => 5, "integer" => 10, _ => 19 };
        return args[0] - (args.Length > 1 ? args[1] : 0) >= digits;
    }

    private static (string Base, int[] Args) Split(string type)
    {
        var m = Modifier().Match(type);
        if (!m.Success) return (type, Array.Empty<int>());
        var args = m.Groups[2].Value.Split(',').Select(a => int.Parse(a.Trim(), CultureInfo.InvariantCulture)).ToArray();
        return (m.Groups[1].Value + m.Groups[3].Value, args);
    }

    [GeneratedRegex(@"^([a-z ]+?)\(([\d, ]+)\)(.*)$")]
    private static partial Regex Modifier();
}
