using System.Text;
using System.Text.Json;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Comparison;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Support;
using Xunit.Abstractions;

namespace DeployOps.Engine.Tests.Health.Comparison;

/// <summary>
/// The labelled scenario set (tests/judge-scenarios): every recording replayed with <c>compare: baseline</c> must reach
/// its expected verdict, and the confusion table (printed) must meet the goals: no regression passed, no
/// self-comparison failed, at least 95 % correct.
/// </summary>
public sealed class JudgeScenarioTests
{
    private static readonly string Folder = Path.Combine(RepositoryPaths.Root, "tests", "judge-scenarios");
    private static readonly HealthPolicy Policy = HealthPolicy.Default.With(comparisons: ComparisonRule.Defaults);
    private readonly ITestOutputHelper _output;

    public JudgeScenarioTests(ITestOutputHelper output) => _output = output;

    public sealed record Scenario(string Name, string Expected, string Anchor, string Description);

    private static IReadOnlyList<Scenario> Manifest() =>
        JsonSerializer.Deserialize<List<Scenario>>(File.ReadAllText(Path.Combine(Folder, "scenarios.json")),
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var s in Manifest()) data.Add(s.Name);
        return data;
    }

    private static HealthVerdict Replay(string name) =>
        HealthReplay.Run(Path.Combine(Folder, name + ".jsonl"), Policy).Decision.Verdict;

    private static HealthVerdict Expected(Scenario s) => Enum.Parse<HealthVerdict>(s.Expected, ignoreCase: true);

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_scenario_reaches_its_expected_verdict(string name)
    {
        var scenario = Manifest().Single(s => s.Name == name);
        var result = HealthReplay.Run(Path.Combine(Folder, name + ".jsonl"), Policy);
        _output.WriteLine($"{name} ({scenario.Anchor}): {scenario.Description}");
        foreach (var reason in result.Decision.Reasons) _output.WriteLine("  " + reason);
        Assert.True(Expected(scenario) == result.Decision.Verdict,
            $"{name}: expected {scenario.Expected}, got {result.Decision.Verdict}: {string.Join(" | ", result.Decision.Reasons)}");
        // The verdict explains itself: both versions' figures for every comparison.
        Assert.NotEmpty(result.Decision.Comparisons);
        Assert.All(result.Decision.Comparisons, c => Assert.Contains("canary", c.Explanation));
    }

    [Fact]
    public void The_set_has_the_anchor_cases_and_meets_the_goals()
    {
        var manifest = Manifest();
        Assert.True(manifest.Count >= 30, $"{manifest.Count} scenarios, at least 30 needed");
        foreach (var anchor in new[] { "spinnaker#6278", "kayenta#426", "flagger#1011", "flagger#1689", "argo-rollouts#1905", "self-comparison",
                     "2x error regression", "+200 ms p95", "low traffic" })
            Assert.Contains(manifest, s => s.Anchor == anchor);

        var verdicts = Enum.GetValues<HealthVerdict>();
        var table = verdicts.ToDictionary(e => e, _ => verdicts.ToDictionary(a => a, _ => 0));
        var falsePass = new List<string>();
        var falseFailOnSelf = new List<string>();
        foreach (var s in manifest)
        {
            var actual = Replay(s.Name);
            table[Expected(s)][actual]++;
            if (Expected(s) == HealthVerdict.Rollback && actual == HealthVerdict.Healthy) falsePass.Add(s.Name);
            if (s.Anchor == "self-comparison" && actual is HealthVerdict.Rollback or HealthVerdict.Investigate) falseFailOnSelf.Add(s.Name);
        }
        var correct = verdicts.Sum(v => table[v][v]);
        _output.WriteLine(ConfusionTable(table, verdicts, correct, manifest.Count));
        Assert.Empty(falsePass);
        Assert.Empty(falseFailOnSelf);
        Assert.True(correct >= 0.95 * manifest.Count, $"{correct} of {manifest.Count} correct, at least 95 % needed");
    }

    private static string ConfusionTable(Dictionary<HealthVerdict, Dictionary<HealthVerdict, int>> table, HealthVerdict[] verdicts, int correct, int total)
    {
        var text = new StringBuilder("| expected \\ actual | " + string.Join(" | ", verdicts) + " |\n|---|" + string.Concat(verdicts.Select(_ => "---|")) + "\n");
        foreach (var e in verdicts.Where(e => table[e].Values.Sum() > 0))
            text.Append($"| {e} | {string.Join(" | ", verdicts.Select(a => table[e][a]))} |\n");
        text.Append($"\n{correct} of {total} correct ({100.0 * correct / total:0.#} %)");
        return text.ToString();
    }
}
