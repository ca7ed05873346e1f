namespace DeployOps.Engine.Strategies;

/// <summary>One phase of a deployment plan as -WhatIf shows it: what would happen, where, with which rendered steps.</summary>
public sealed class DeploymentPlanItem
{
    /// <summary>Creates a plan item.</summary>
    public DeploymentPlanItem(int order, string phase, string action, string target, IReadOnlyList<string> details, bool movesTraffic)
    {
        Order = order;
        Phase = phase;
        Action = action;
        Target = target;
        Details = details;
        MovesTraffic = movesTraffic;
    }

    /// <summary>The item's position in the plan, from 1.</summary>
    public int Order { get; }
    /// <summary>The phase it belongs to (the name the journal and Resume-Deployment use).</summary>
    public string Phase { get; }
    /// <summary>What would be done, in words (secrets masked).</summary>
    public string Action { get; }
    /// <summary>What it would be done to: a slot, an instance, the router, the database.</summary>
    public string Target { get; }
    /// <summary>Rendered steps ("install: npm ci …") and traffic assignments.</summary>
    public IReadOnlyList<string> Details { get; }
    /// <summary>True when the phase changes the router (-Confirm asks before it).</summary>
    public bool MovesTraffic { get; }

    /// <summary>"order. phase: action".</summary>
    public override string ToString() => $"{Order}. {Phase}: {Action}";
}
