using System.Reflection;
using System.Text.RegularExpressions;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Contract;

/// <summary>
/// ErrorIds are public contract: scripts catch on them (-ErrorId, $_.FullyQualifiedErrorId). Every constant of the
/// ErrorIds partial class is compared with a checked-in snapshot, so adding, renaming or removing one is a reviewed diff.
/// </summary>
public sealed class ErrorIdSnapshotTests
{
    private static readonly string SnapshotPath =
        Path.Combine(RepositoryPaths.Root, "tests", "DeployOps.Engine.Tests", "Contract", "ErrorIds.snapshot.txt");

    private const string HowToUpdate =
        "ErrorIds are public contract: scripts match on them, so never rename or remove one. To add a new ErrorId, add " +
        "its name to tests/DeployOps.Engine.Tests/Contract/ErrorIds.snapshot.txt (sorted, one per line) in the same " +
        "change, or regenerate the file with DEPLOYOPS_UPDATE_ERRORID_SNAPSHOT=1 dotnet test tests/DeployOps.Engine.Tests " +
        "--filter FullyQualifiedName~ErrorIdSnapshotTests and review the diff.";

    [Fact]
    public void ErrorIds_match_the_checked_in_snapshot()
    {
        var actual = ErrorIdsInCode();
        if (Environment.GetEnvironmentVariable("DEPLOYOPS_UPDATE_ERRORID_SNAPSHOT") == "1")
        {
            File.WriteAllLines(SnapshotPath, actual);
        }

        var expected = File.ReadAllLines(SnapshotPath).Where(l => l.Length > 0).ToList();
        var removed = expected.Except(actual, StringComparer.Ordinal).ToList();
        var added = actual.Except(expected, StringComparer.Ordinal).ToList();
        Assert.True(removed.Count == 0 && added.Count == 0,
            $"ErrorIds differ from the snapshot. Missing from the code (renamed or removed): [{string.Join(", ", removed)}]; " +
            $"new in the code: [{string.Join(", ", added)}]. {HowToUpdate}");
        Assert.True(expected.SequenceEqual(expected.Order(StringComparer.Ordinal)),
            $"{SnapshotPath} must be sorted (ordinal). {HowToUpdate}");
    }

    [Fact]
    public void Each_ErrorId_constant_is_its_own_name()
    {
        // The value is what scripts see; the name is what the snapshot and the code review see: keep them one thing.
        foreach (var field in ErrorIdFields())
        {
            Assert.Equal(field.Name, (string)field.GetRawConstantValue()!);
        }
    }

    [Fact]
    public void Cmdlets_raise_no_ErrorId_outside_the_ErrorIds_class()
    {
        // An ErrorRecord built with a string literal would bypass the snapshot above.
        var literal = new Regex(@"new\s+ErrorRecord\([^;]*?,\s*""(?<id>[^""]+)""\s*,\s*ErrorCategory\.", RegexOptions.Singleline);
        var offenders = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => literal.Matches(File.ReadAllText(file))
                .Select(m => $"{Path.GetRelativePath(RepositoryPaths.Root, file)}: \"{m.Groups["id"].Value}\""))
            .ToList();
        Assert.True(offenders.Count == 0,
            $"ErrorRecords with a literal ErrorId (add it to ErrorIds and the snapshot instead): {string.Join("; ", offenders)}");
    }

    private static List<string> ErrorIdsInCode() =>
        ErrorIdFields().Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal).ToList();

    private static IEnumerable<FieldInfo> ErrorIdFields() =>
        typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string));
}
