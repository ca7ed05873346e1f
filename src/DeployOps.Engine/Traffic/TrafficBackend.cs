namespace DeployOps.Engine.Traffic;

/// <summary>
/// One server behind the router: a slot (blue/green) or an instance, with its share of traffic.
/// Weight 0 keeps it in the upstream but marked <c>down</c> (no traffic, instant to bring back).
/// </summary>
internal sealed class TrafficBackend
{
    public TrafficBackend(string name, string host, int port, int weight)
    {
        Name = name;
        Host = host;
        Port = port;
        Weight = weight;
    }

    public string Name { get; }
    public string Host { get; }
    public int Port { get; }
    public int Weight { get; }
    public string Address => $"{Host}:{Port}";
    public string BaseUrl => $"http://{Host}:{Port}";

    public TrafficBackend WithWeight(int weight) => new(Name, Host, Port, weight);

    public override string ToString() => Weight == 0 ? $"{Name} {Address} down" : $"{Name} {Address} weight={Weight}";

    public static string Describe(IEnumerable<TrafficBackend> backends) => string.Join("; ", backends.Select(b => b.ToString()));
}
