using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace DeployOps.Engine.Checks.Tls;

/// <summary>
/// Judges one certificate: validity window and days left, host name, and chain trust (system store, or only the
/// roots in <c>caFile</c>). Every problem found is reported, not just the first.
/// </summary>
internal sealed class TlsCheck : ICheck
{
    private readonly TlsCheckSettings _s;

    public TlsCheck(TlsCheckSettings settings) => _s = settings;

    public string Target => _s.Source.Display;

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?> { ["source"] = _s.Source.Display, ["minDaysLeft"] = _s.MinDaysLeft };
        X509Certificate2 leaf;
        X509Certificate2Collection others;
        try
        {
            (leaf, others) = await _s.Source.LoadAsync(_s.Hostname, cancellationToken).ConfigureAwait(false);
        }
        catch (CertificateUnavailableException ex)
        {
            return CheckOutcome.Fail(ex.Message, data);
        }

        using (leaf)
        {
            var now = DateTime.UtcNow;
            var notBefore = leaf.NotBefore.ToUniversalTime();
            var notAfter = leaf.NotAfter.ToUniversalTime();
            var daysLeft = (int)Math.Floor((notAfter - now).TotalDays);
            data["subject"] = leaf.Subject;
            data["issuer"] = leaf.Issuer;
            data["notBefore"] = notBefore.ToString("o", CultureInfo.InvariantCulture);
            data["notAfter"] = notAfter.ToString("o", CultureInfo.InvariantCulture);
            data["daysLeft"] = daysLeft;
            data["thumbprint"] = leaf.Thumbprint;
            data["names"] = string.Join(", ", Names(leaf));

            var problems = new List<string>();
            if (notAfter <= now)
                problems.Add($"certificate expired on {Day(notAfter)} ({Ago(now - notAfter)})");
            else if (notBefore > now)
                problems.Add($"certificate is not valid yet: valid from {Day(notBefore)}");
            else if (daysLeft < _s.MinDaysLeft)
                problems.Add($"certificate expires in {daysLeft} day(s) on {Day(notAfter)}, fewer than minDaysLeft {_s.MinDaysLeft}");

            if (_s.Hostname is { } hostname)
            {
                var matches = leaf.MatchesHostname(hostname, allowWildcards: true, allowCommonName: true);
                data["hostname"] = hostname;
                data["hostnameMatches"] = matches;
                if (!matches) problems.Add($"certificate does not cover host name '{hostname}' (it covers: {data["names"]})");
            }

            if (_s.VerifyChain)
            {
                var (trusted, status) = VerifyChain(leaf, others);
                data["chainTrusted"] = trusted;
                data["chainStatus"] = status;
                data["trustedRoots"] = _s.CaFile ?? "system store";
                if (!trusted) problems.Add($"chain is not trusted by {(_s.CaFile is null ? "the system store" : _s.CaFile)}: {status}");
            }

            if (problems.Count > 0) return CheckOutcome.Fail(string.Join("; ", problems), data);
            return CheckOutcome.Pass($"{leaf.GetNameInfo(X509NameType.SimpleName, false)} valid until {Day(notAfter)} ({daysLeft} days left)" +
                (_s.VerifyChain ? ", chain trusted" : ""), data);
        }
    }

    private (bool Trusted, string Status) VerifyChain(X509Certificate2 leaf, X509Certificate2Collection others)
    {
        using var chain = new X509Chain();
        // Offline and deterministic: no revocation or AIA downloads from a deployment host.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ExtraStore.AddRange(others);
        if (_s.CaFile is { } caFile)
        {
            if (!File.Exists(caFile)) return (false, $"caFile not found: {caFile}");
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            if (roots.Count == 0) return (false, $"no certificate in caFile {caFile}");
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        }
        var built = chain.Build(leaf);
        // Expiry is reported on its own, with dates; the chain verdict is about trust.
        var statuses = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError && s.Status != X509ChainStatusFlags.NotTimeValid).ToList();
        if (built || statuses.Count == 0) return (true, "trusted");
        return (false, string.Join(", ", statuses.Select(s => $"{s.Status} ({s.StatusInformation.Trim()})").Distinct()));
    }

    private static IEnumerable<string> Names(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null) return new[] { certificate.GetNameInfo(X509NameType.SimpleName, false) };
        return san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
    }

    private static string Ago(TimeSpan t) => t.TotalDays < 1 ? "less than a day ago" : $"{(int)Math.Floor(t.TotalDays)} day(s) ago";

    private static string Day(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
