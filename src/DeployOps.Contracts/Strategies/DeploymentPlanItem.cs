namespace DeployOps.Engine.Strategies;

/// <summary>One phase of a deployment plan as -WhatIf shows it: what would happen, where, with which rendered steps.</summary>
public sealed class DeploymentPlanItem
{
    public DeploymentPlanItem(int order, string phase, string action, string target, IReadOnlyList<string> details, bool movesTraffic)
    {
        Order = order;
        Phase = phase;
        Action = action;
        Target = target;
        Details = details;
        MovesTraffic = movesTraffic;
    }

    public int Order { get; }
    public string Phase { get; }
    public string Action { get; }
    public string Target { get; }
    /// <summary>Rendered steps ("install: npm ci …") and traffic assignments.</summary>
    public IReadOnlyList<string> Details { get; }
    /// <summary>True when the phase changes the router (-Confirm asks before it).</summary>
    public bool MovesTraffic { get; }

    public override string ToString() => $"{Order}. {Phase}: {Action}";
}
