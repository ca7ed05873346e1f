using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// Walks YAML parsing events (no tree, no recursion) and refuses what would hurt whoever builds or walks the tree:
/// nesting deeper than <see cref="ConfigDocument.MaxDepth"/> (a 100,000-deep <c>[[[…</c> overflows the stack of a
/// recursive builder), aliases expanding to more than <see cref="ConfigDocument.MaxAliasNodes"/> nodes (the "billion
/// laughs"), a second document, keys that are not plain names and duplicate keys. Every problem carries the key path
/// it occurs under, syntax errors included.
/// </summary>
internal sealed class YamlEventGuard
{
    private sealed class Frame(bool isMapping, string path, AnchorName anchor)
    {
        public bool IsMapping { get; } = isMapping;
        public string Path { get; } = path;
        public AnchorName Anchor { get; } = anchor;
        public int Index { get; set; }
        public string? PendingKey { get; set; }
        public string? LastKey { get; set; }
        public Dictionary<string, Mark> Keys { get; } = new(StringComparer.Ordinal);
        public long Nodes { get; set; } = 1;
        public int Height { get; set; }
    }

    private readonly string _file;
    private readonly string _text;
    private readonly List<ConfigError> _errors = new();
    private readonly Stack<Frame> _frames = new();
    private readonly Dictionary<string, (long Nodes, int Height)> _anchors = new(StringComparer.Ordinal);
    private long _aliasNodes;
    private int _documents;

    private YamlEventGuard(string file, string text)
    {
        _file = file;
        _text = text;
    }

    /// <summary>The problems of <paramref name="text"/>; empty when it is safe to build a tree from.</summary>
    public static IReadOnlyList<ConfigError> Check(string file, string text)
    {
        var guard = new YamlEventGuard(file, text);
        guard.Run();
        return guard._errors;
    }

    private void Run()
    {
        var parser = new Parser(new StringReader(_text));
        var lastSeen = new Mark();
        try
        {
            while (parser.MoveNext())
            {
                lastSeen = parser.Current!.End;
                if (!Accept(parser.Current!)) return;
            }
        }
        catch (YamlException ex)
        {
            Error(ex.Start.Line >= 1 ? ex.Start : lastSeen, CurrentPath(), "YAML syntax error: " + Innermost(ex).Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException)
        {
            // YamlDotNet's scanner throws these on some malformed input (e.g. an unterminated flow list) instead of
            // a YamlException: still a syntax error, placed after the last thing that parsed.
            Error(lastSeen, CurrentPath(), "YAML syntax error after this point: the text that follows is not valid YAML");
        }
    }

    /// <summary>False to stop: the rest of the stream cannot be judged (or walked) safely.</summary>
    private bool Accept(ParsingEvent e)
    {
        switch (e)
        {
            case DocumentStart:
                if (++_documents > 1)
                {
                    Error(e.Start, "", "a second YAML document ('---'): the configuration is one document; remove the '---' and what follows or merge it into the first");
                    return false;
                }
                return true;
            case Scalar scalar when _frames.TryPeek(out var owner) && owner.IsMapping && owner.PendingKey is null:
                return Key(owner, scalar);
            case Scalar scalar:
                Complete(1, 0, scalar.Anchor);
                return true;
            case AnchorAlias alias when _frames.TryPeek(out var owner) && owner.IsMapping && owner.PendingKey is null:
                Error(alias.Start, owner.Path, $"an alias (*{alias.Value}) cannot be a key: write the key's name");
                return false;
            case AnchorAlias alias:
                return Alias(alias);
            case MappingStart or SequenceStart when _frames.TryPeek(out var owner) && owner.IsMapping && owner.PendingKey is null:
                Error(e.Start, owner.Path, "a key must be a plain name, not a mapping or a list");
                return false;
            case MappingStart or SequenceStart:
                var path = CurrentPath();
                if (_frames.Count + 1 > ConfigDocument.MaxDepth)
                {
                    Error(e.Start, path, $"nested deeper than {ConfigDocument.MaxDepth} levels; no setting needs that");
                    return false;
                }
                _frames.Push(new Frame(e is MappingStart, path, ((NodeEvent)e).Anchor));
                return true;
            case MappingEnd or SequenceEnd:
                var done = _frames.Pop();
                Complete(done.Nodes, done.Height + 1, done.Anchor);
                return true;
            default:
                return true;
        }
    }

    private bool Key(Frame owner, Scalar key)
    {
        var name = key.Value;
        if (owner.Keys.TryGetValue(name, out var first))
            Error(key.Start, Join(owner.Path, name), $"duplicate key '{name}' (first at line {first.Line}); only one may stay");
        else
            owner.Keys[name] = key.Start;
        owner.PendingKey = name;
        owner.LastKey = name;
        owner.Nodes++;
        return true;
    }

    private bool Alias(AnchorAlias alias)
    {
        var path = CurrentPath();
        if (!_anchors.TryGetValue(alias.Value.Value, out var anchor))
        {
            Error(alias.Start, path, $"alias *{alias.Value} names no anchor (&{alias.Value}) defined before it");
            return false;
        }
        _aliasNodes += anchor.Nodes;
        if (_aliasNodes > ConfigDocument.MaxAliasNodes)
        {
            Error(alias.Start, path, $"aliases expand to more than {ConfigDocument.MaxAliasNodes} values; write the settings out instead");
            return false;
        }
        if (_frames.Count + anchor.Height > ConfigDocument.MaxDepth)
        {
            Error(alias.Start, path, $"alias *{alias.Value} nests the value deeper than {ConfigDocument.MaxDepth} levels");
            return false;
        }
        Complete(anchor.Nodes, anchor.Height, AnchorName.Empty);
        return true;
    }

    /// <summary>A value ended: count it into its parent (for alias sizes) and remember it when it is anchored.</summary>
    private void Complete(long nodes, int height, AnchorName anchor)
    {
        if (!anchor.IsEmpty) _anchors[anchor.Value] = (nodes, height);
        if (!_frames.TryPeek(out var parent)) return;
        parent.Nodes += nodes;
        parent.Height = Math.Max(parent.Height, height);
        if (parent.IsMapping) parent.PendingKey = null;
        else parent.Index++;
    }

    /// <summary>The key path of the value being read now (for a syntax error: the last key seen in its mapping).</summary>
    private string CurrentPath()
    {
        if (!_frames.TryPeek(out var top)) return "";
        if (!top.IsMapping) return $"{top.Path}[{top.Index}]";
        return top.PendingKey is { } key ? Join(top.Path, key) : top.LastKey is { } last ? Join(top.Path, last) : top.Path;
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private void Error(Mark at, string path, string message)
    {
        var (line, column) = ConfigDocument.Locate(_text, at);
        _errors.Add(new ConfigError(_file, line, column, path, message));
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }
}
