using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Processes;

/// <summary>
/// How <see cref="ChildProcess"/> runs a spec on a <see cref="SshTarget"/>: the local program is OpenSSH's <c>ssh</c>
/// (BatchMode, StrictHostKeyChecking=yes against the target's known_hosts only, one control master per target for
/// connection reuse); the remote command is the same <see cref="StepSupervisor"/> script, so the remote program gets
/// its own session and process group whose lifeline is the ssh channel's stdin. The environment travels on that stdin
/// (NUL-separated, ended by an empty record) — never on a command line where <c>ps</c> would show a secret — and the
/// remote program starts with it alone plus a minimal PATH/HOME/LANG. When we cancel (ssh killed), die, or the
/// connection drops, the remote stdin reaches EOF and the remote group is ended: nothing keeps running on the host.
/// </summary>
internal static class SshTransport
{
    /// <summary>ssh's own failures (connection, authentication, host key) exit with 255.</summary>
    public const int SshFailureExitCode = 255;

    /// <summary>What the remote prelude starts the program with besides the spec's variables.</summary>
    private const string MinimalEnvironment = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8";

    // $1 = working directory (empty: home), $2 = grace, $3… = program and arguments. Reads NAME=value records (NUL
    // separated) until an empty one; bash reads a pipe byte by byte, so the rest of stdin stays the lifeline.
    private const string Prelude = """
        wd=$1; shift
        while IFS= read -r -d '' kv && [ -n "$kv" ]; do export "$kv"; done
        if [ -n "$wd" ]; then cd -- "$wd" || exit 126; fi
        supervisor=$DEPLOYOPS_SUPERVISOR; unset DEPLOYOPS_SUPERVISOR
        exec setsid -w /bin/bash -c "$supervisor" deployops-supervisor "$@"
        """;

    /// <summary>The local <c>ssh</c> argument vector that runs <paramref name="fileName"/> on <paramref name="target"/>.</summary>
    public static IReadOnlyList<string> Arguments(SshTarget target, string fileName, IReadOnlyList<string> arguments, string? remoteDirectory)
    {
        var args = ConnectionOptions(target);
        args.Add("--");
        var remote = new StringBuilder("exec env -i HOME=\"$HOME\" USER=\"$USER\" ").Append(MinimalEnvironment)
            .Append(" DEPLOYOPS_SUPERVISOR=").Append(Quote(StepSupervisor.Script))
            .Append(" /bin/bash -c ").Append(Quote(Prelude)).Append(" deployops-remote ")
            .Append(Quote(remoteDirectory ?? "")).Append(' ')
            .Append(((int)StepSupervisor.Grace.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        foreach (var a in arguments.Prepend(fileName)) remote.Append(' ').Append(Quote(a));
        args.Add(remote.ToString());
        return args;
    }

    /// <summary>The records the remote prelude reads from stdin before the lifeline: NAME=value\0 …, then \0.</summary>
    public static byte[] EnvironmentBlock(IReadOnlyDictionary<string, string?> environment)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in environment)
        {
            if (value is null) continue;
            if (!IsVariableName(name)) throw new ArgumentException($"'{name}' is not an environment variable name");
            if (value.Contains('\0')) throw new ArgumentException($"the value of {name} contains a NUL character");
            text.Append(name).Append('=').Append(value).Append('\0');
        }
        return Encoding.UTF8.GetBytes(text.Append('\0').ToString());
    }

    /// <summary>-F none and every option explicit: neither ~/.ssh/config nor /etc/ssh can weaken verification.</summary>
    private static List<string> ConnectionOptions(SshTarget target, bool multiplex = true)
    {
        var args = new List<string>
        {
            "-F", "none",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "UserKnownHostsFile=" + target.KnownHostsFile,
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "CheckHostIP=no",
            "-o", "UpdateHostKeys=no",
            "-o", "ConnectTimeout=" + Math.Max(1, (int)Math.Ceiling(target.ConnectTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
            // A host that drops off the network is noticed within about 3 x 2 s instead of TCP's minutes.
            "-o", "ServerAliveInterval=2",
            "-o", "ServerAliveCountMax=3",
            "-p", target.Port.ToString(CultureInfo.InvariantCulture),
            "-l", target.User,
        };
        if (multiplex) args.AddRange(new[] { "-o", "ControlMaster=auto", "-o", "ControlPath=" + ControlPath(target), "-o", "ControlPersist=30s" });
        if (target.IdentityFile is { } key) args.AddRange(new[] { "-i", key, "-o", "IdentitiesOnly=yes" });
        if (target.Jump is { } jump)
        {
            // A nested ssh with the same verification (ProxyJump would read ~/.ssh/config for the jump host).
            var inner = ConnectionOptions(jump, multiplex: false);
            inner.AddRange(new[] { "-W", "%h:%p", jump.Address });
            args.AddRange(new[] { "-o", "ProxyCommand=exec ssh " + string.Join(' ', inner.Select(Quote)) });
        }
        args.Add(target.Address);
        return args;
    }

    /// <summary>One control socket per target definition (a changed key file or address is a new connection), in a private folder.</summary>
    private static string ControlPath(SshTarget target)
    {
        var folder = Security.PrivateFiles.EnsureDirectory(Path.Combine(Path.GetTempPath(), "deployops-ssh-" + Environment.UserName));
        var identity = $"{target.User}@{target.Address}:{target.Port}|{target.IdentityFile}|{target.KnownHostsFile}|{target.Jump}";
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..20].ToLowerInvariant();
        return Path.Combine(folder, hash);
    }

    /// <summary>One word for a POSIX shell: single quotes, with each ' written '\''.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static bool IsVariableName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
