using System.Diagnostics;
using System.Globalization;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Bench;

/// <summary>
/// A throwaway PostgreSQL cluster (the tests' PostgresFixture, restarted with room for a bulk load) holding a generated
/// shop database of about <c>scale</c> GB: customers, orders, order_items and events, each with a primary key and a
/// foreign-key index — several large tables, as in a real application, so parallel jobs have tables to share.
/// </summary>
internal sealed class BenchDatabase : IDisposable
{
    public const string Name = "benchdb";
    public const int SqlTimeoutSeconds = 3600;

    private BenchDatabase(PostgresFixture cluster) => Cluster = cluster;

    public PostgresFixture Cluster { get; }
    public long SizeBytes { get; private set; }
    public double SizeMB => SizeBytes / 1e6;
    public long TotalRows { get; private set; }
    public string Version => Path.GetFileName(Path.GetDirectoryName(Cluster.BinDirectory)) ?? "?";
    public string Tool(string name) => Path.Combine(Cluster.BinDirectory, name);

    public static BenchDatabase Create(double scale)
    {
        var cluster = new PostgresFixture();
        cluster.Stop();
        File.AppendAllText(Path.Combine(cluster.DataDirectory, "postgresql.conf"),
            "shared_buffers = 128MB\nmax_wal_size = 4GB\nmaintenance_work_mem = 128MB\n");
        cluster.Start();
        var db = new BenchDatabase(cluster);
        db.Generate(scale);
        return db;
    }

    private void Generate(double scale)
    {
        long Rows(int n) => Math.Max(1000, (long)(n * scale));
        var (customers, orders, items, events) = (Rows(240_000), Rows(1_800_000), Rows(3_600_000), Rows(2_400_000));
        var clock = Stopwatch.StartNew();
        Cluster.CreateDatabase(Name);
        Cluster.Execute(Name, $"""
            CREATE TABLE schema_migrations (version text PRIMARY KEY);
            INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240601000000');
            CREATE TABLE customers AS
              SELECT g AS id, 'customer ' || g AS name, md5(g::text) || '@example.test' AS email, now() - g * interval '1 minute' AS created_at
              FROM generate_series(1, {customers}) g;
            CREATE TABLE orders AS
              SELECT g AS id, 1 + g % {customers} AS customer_id, round((g % 100000) / 100.0, 2)::numeric(10,2) AS total,
                     (ARRAY['new','paid','shipped','returned'])[1 + g % 4] AS status, now() - g * interval '1 second' AS created_at
              FROM generate_series(1, {orders}) g;
            CREATE TABLE order_items AS
              SELECT g AS id, 1 + g % {orders} AS order_id, 'SKU-' || (g % 5000) AS sku, 1 + g % 5 AS quantity,
                     round((g % 9000) / 100.0, 2)::numeric(10,2) AS price
              FROM generate_series(1, {items}) g;
            CREATE TABLE events AS
              SELECT g AS id, 1 + g % {customers} AS customer_id, now() - g * interval '1 second' AS at,
                     md5(g::text) AS kind, repeat(md5((g * 7)::text), 2) AS payload
              FROM generate_series(1, {events}) g;
            ALTER TABLE customers ADD PRIMARY KEY (id);
            ALTER TABLE orders ADD PRIMARY KEY (id);
            ALTER TABLE order_items ADD PRIMARY KEY (id);
            ALTER TABLE events ADD PRIMARY KEY (id);
            ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);
            ALTER TABLE order_items ADD FOREIGN KEY (order_id) REFERENCES orders (id);
            CREATE INDEX orders_customer ON orders (customer_id);
            CREATE INDEX order_items_order ON order_items (order_id);
            CREATE INDEX events_customer ON events (customer_id);
            """, SqlTimeoutSeconds);
        Cluster.Execute(Name, "VACUUM ANALYZE", SqlTimeoutSeconds);
        SizeBytes = Cluster.Scalar<long>(Name, "SELECT pg_database_size(current_database())");
        TotalRows = customers + orders + items + events + 2;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"generated {TotalRows:N0} rows (customers {customers:N0}, orders {orders:N0}, order_items {items:N0}, events {events:N0}): " +
            $"database size {SizeMB:N0} MB in {clock.Elapsed.TotalSeconds:N0} s"));
    }

    /// <summary>Row count and the sum of a 64-bit hash of every row, per table: equal before and after proves a restore exact.</summary>
    public string Fingerprint() => Cluster.Scalar<string>(Name, """
        SELECT string_agg(t || ':' || n || ':' || h, ' ' ORDER BY t) FROM (
          SELECT 'customers' AS t, count(*) AS n, sum(hashtextextended(c::text, 0)::numeric) AS h FROM customers c UNION ALL
          SELECT 'orders', count(*), sum(hashtextextended(o::text, 0)::numeric) FROM orders o UNION ALL
          SELECT 'order_items', count(*), sum(hashtextextended(i::text, 0)::numeric) FROM order_items i UNION ALL
          SELECT 'events', count(*), sum(hashtextextended(e::text, 0)::numeric) FROM events e UNION ALL
          SELECT 'schema_migrations', count(*), sum(hashtextextended(version, 0)::numeric) FROM schema_migrations) x
        """, SqlTimeoutSeconds)!;

    /// <summary>Runs a PostgreSQL client tool against the cluster (password in the child's environment: bench only, loopback).</summary>
    public TimeSpan RunTool(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(Tool(tool)) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", Cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", PostgresFixture.User }.Concat(args))
            psi.ArgumentList.Add(a);
        psi.Environment["PGPASSWORD"] = PostgresFixture.Password;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed (exit {process.ExitCode}): {stderr.Result}{stdout.Result}");
        return clock.Elapsed;
    }

    public void Dispose() => Cluster.Dispose();
}
