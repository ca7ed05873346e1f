using System.Diagnostics;
using System.Text;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;
using Xunit.Abstractions;

namespace DeployOps.Engine.Tests.Configuration;

/// <summary>
/// Issue 11 "Done when": seeded, bounded fuzzing of the shipped example configurations. Every mutation must come back
/// within its budget as either an accepted configuration or a rejection whose every problem has a line and a column;
/// an exception escaping Test-DeploymentConfig's engine call, or a hang, fails the test.
/// </summary>
public sealed class ConfigFuzzTests
{
    private const int Seed = 20261203;
    private const int CasesPerExample = 300;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);
    /// <summary>How long an over-budget case may still take before it counts as hung outright (then retried once).</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private static readonly string[] Examples = { "deployops.yaml", "deployment/deployops.yaml", "shop/production.yaml", "deploy-containers.yaml" };

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["SHOP_DB_PASSWORD"] = "example-db-password",
        ["SHOP_SECRET_KEY"] = "example-secret-key-that-is-long-enough-for-the-check-0123456789",
        ["SHOP_DB_CONNECTION"] = "Host=127.0.0.1;Database=shop",
    };

    private readonly ITestOutputHelper _output;

    public ConfigFuzzTests(ITestOutputHelper output) => _output = output;

    private delegate byte[] Mutation(Random random, byte[] input);

    private static readonly (string Name, Mutation Apply)[] Mutations =
    {
        ("byte flip", (r, b) => { var c = (byte[])b.Clone(); c[r.Next(c.Length)] = (byte)r.Next(256); return c; }),
        ("truncation", (r, b) => b[..r.Next(b.Length)]),
        ("deep nesting", (r, b) => AtValue(r, b, Nest(r))),
        ("huge number", (r, b) => AtValue(r, b, r.Next(4) switch
        {
            0 => "99999999999999999999d",
            1 => "99999999999999999999999999999999999999TB",
            2 => "1e999999",
            _ => new string('9', r.Next(20, 400)),
        })),
        ("duplicate key", (r, b) => DuplicateLine(r, b)),
        ("NUL", (r, b) => Insert(b, r.Next(b.Length + 1), new byte[] { 0 })),
        ("invalid UTF-8", (r, b) => Insert(b, r.Next(b.Length + 1), r.Next(3) switch
        {
            0 => new byte[] { 0xC3, 0x28 },
            1 => new byte[] { 0xFF },
            _ => new byte[] { 0xED, 0xA0, 0x80 }, // an encoded surrogate
        })),
        ("alias", (r, b) => r.Next(3) switch
        {
            0 => Append(b, LaughsYaml(r.Next(3, 12))),
            1 => AtValue(r, b, "*nowhere"),
            _ => AtValue(r, b, "&a [x, *a]"),
        }),
        ("second document", (r, b) => Append(b, "---\napplication: other\n")),
        ("escaped control", (r, b) => AtValue(r, b, r.Next(2) == 0 ? "\"\\0\"" : "\"a\\u0000b\"")),
    };

    [Fact]
    public void Mutated_examples_never_crash_hang_or_go_unlocated()
    {
        var random = new Random(Seed);
        int cases = 0, located = 0, accepted = 0, unlocated = 0, unhandled = 0, hangs = 0;
        var slowest = TimeSpan.Zero;
        var failures = new List<string>();
        var perMutation = Mutations.ToDictionary(m => m.Name, _ => 0);
        using var folder = new TempConfig("");
        var slowestLabel = "";
        // Warm-up outside the figures: the first validation pays for JIT compilation of the whole reader.
        foreach (var example in Examples) ConfigLoader.Inspect(RepositoryPaths.Examples(example), Environment.GetValueOrDefault);
        foreach (var example in Examples)
        {
            var original = File.ReadAllBytes(RepositoryPaths.Examples(example));
            for (var i = 0; i < CasesPerExample; i++)
            {
                var bytes = original;
                var applied = new List<string>();
                for (var n = 1 + random.Next(2); n > 0; n--)
                {
                    var (name, apply) = Mutations[random.Next(Mutations.Length)];
                    bytes = apply(random, bytes.Length == 0 ? Encoding.UTF8.GetBytes("a: b\n") : bytes);
                    applied.Add(name);
                    perMutation[name]++;
                }
                File.WriteAllBytes(folder.Path, bytes);
                cases++;
                var label = $"{example} #{i} ({string.Join(" + ", applied)})";
                var (outcome, elapsed) = Run(folder.Path);
                if (elapsed > slowest) (slowest, slowestLabel) = (elapsed, label);
                switch (outcome)
                {
                    case Outcome.HangOutcome:
                        hangs++;
                        failures.Add($"hang: {label}");
                        break;
                    case Outcome.Failed failed:
                        unhandled++;
                        failures.Add($"unhandled {failed.Exception.GetType().FullName}: {label}: {failed.Exception.Message}");
                        break;
                    case Outcome.Done done when done.Inspection.Errors.Count == 0:
                        accepted++;
                        break;
                    case Outcome.Done done:
                        var missing = done.Inspection.Errors.Where(e => e.Line < 1 || e.Column < 1).ToList();
                        if (missing.Count == 0) located++;
                        else
                        {
                            unlocated++;
                            failures.Add($"unlocated: {label}: {missing[0]}");
                        }
                        break;
                }
            }
        }

        _output.WriteLine($"config fuzz (seed {Seed}): cases {cases}, located rejections {located}, accepted {accepted}, " +
                          $"unlocated {unlocated}, unhandled {unhandled}, hangs {hangs}, slowest {slowest.TotalMilliseconds:0} ms ({slowestLabel})");
        _output.WriteLine("mutations applied: " + string.Join(", ", perMutation.Select(kv => $"{kv.Key} {kv.Value}")));
        foreach (var failure in failures.Take(40)) _output.WriteLine(failure);

        Assert.True(cases >= 1000, $"only {cases} cases");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(located > 0 && accepted > 0, $"located {located}, accepted {accepted}: the mutations must both break and keep configurations");
    }

    private abstract record Outcome
    {
        public sealed record Done(ConfigInspection Inspection) : Outcome;
        public sealed record Failed(Exception Exception) : Outcome;
        public sealed record HangOutcome : Outcome;
        public static readonly Outcome Hang = new HangOutcome();
    }

    /// <summary>One validation within <see cref="Budget"/>; an over-budget case is run once more (the machine is shared
    /// and loaded) and is a hang only when it is over budget twice.</summary>
    private static (Outcome Outcome, TimeSpan Elapsed) Run(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            var clock = Stopwatch.StartNew();
            var task = Task.Run(() => ConfigLoader.Inspect(path, Environment.GetValueOrDefault));
            var inBudget = task.Wait(Budget);
            if (!inBudget && !task.Wait(Grace)) return (Outcome.Hang, clock.Elapsed);
            clock.Stop();
            if (!inBudget && attempt == 0) continue;
            if (!inBudget) return (Outcome.Hang, clock.Elapsed);
            return task.IsFaulted
                ? (new Outcome.Failed(task.Exception!.InnerException!), clock.Elapsed)
                : (new Outcome.Done(task.Result), clock.Elapsed);
        }
    }

    private static string Nest(Random random)
    {
        var depth = random.Next(4) == 0 ? random.Next(30, 64) : random.Next(65, 20_000);
        return random.Next(2) == 0
            ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{a: ", depth)) + "x" + new string('}', depth);
    }

    private static string LaughsYaml(int levels)
    {
        var text = new StringBuilder("laugh0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha, ha]\n");
        for (var i = 1; i < levels; i++)
            text.Append($"laugh{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        return text.ToString();
    }

    /// <summary>Replaces the value after a random "key: " with <paramref name="value"/>.</summary>
    private static byte[] AtValue(Random random, byte[] input, string value)
    {
        var text = Encoding.UTF8.GetString(input);
        var positions = new List<int>();
        for (var i = text.IndexOf(": ", StringComparison.Ordinal); i >= 0; i = text.IndexOf(": ", i + 2, StringComparison.Ordinal))
            positions.Add(i + 2);
        if (positions.Count == 0) return Append(input, "key: " + value + "\n");
        var start = positions[random.Next(positions.Count)];
        var end = text.IndexOf('\n', start);
        if (end < 0) end = text.Length;
        return Encoding.UTF8.GetBytes(text[..start] + value + text[end..]);
    }

    private static byte[] DuplicateLine(Random random, byte[] input)
    {
        var lines = Encoding.UTF8.GetString(input).Split('\n').ToList();
        var keyed = Enumerable.Range(0, lines.Count).Where(i => lines[i].Contains(": ", StringComparison.Ordinal)).ToList();
        if (keyed.Count == 0) return input;
        var at = keyed[random.Next(keyed.Count)];
        lines.Insert(at + 1, lines[at].TrimStart().StartsWith("- ", StringComparison.Ordinal)
            ? lines[at].Replace("- ", "  ", StringComparison.Ordinal)
            : lines[at]);
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    private static byte[] Insert(byte[] input, int at, byte[] bytes) => input[..at].Concat(bytes).Concat(input[at..]).ToArray();

    private static byte[] Append(byte[] input, string text) => input.Concat(Encoding.UTF8.GetBytes("\n" + text)).ToArray();
}
