using System.Globalization;
using System.Management.Automation;
using DeployOps.Engine.Configuration;

namespace DeployOps.Hosting;

/// <summary>
/// Binds a TimeSpan parameter the way the configuration file spells durations (<c>500ms</c>, <c>5s</c>, <c>2m</c>,
/// <c>1h</c>, <c>1d</c>, <c>hh:mm:ss</c>) through the engine's one duration parser; a [TimeSpan] passes unchanged.
/// A bare number is refused: PowerShell would otherwise bind <c>120</c> as 120 ticks.
/// </summary>
/// <remarks>
/// Unquoted, <c>5s</c> and <c>1d</c> reach the binder as [short] and [decimal] (PowerShell's numeric suffixes), so
/// those two types are read as seconds and days; PowerShell rounds an unquoted <c>1.5s</c> to [short]2 before we see
/// it: write '1.5s' quoted or 1500ms.
///
/// This type is public in DeployOps.dll, whose public types PowerShell lays out before the module initializer
/// routes the engine assembly: no member signature here may name an engine type (the parser is called only
/// inside a method body, in <see cref="Parse"/>).
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>A TimeSpan from a duration as the configuration spells it ("500ms", "5s", "2m", "1h", "1d",
    /// "hh:mm:ss"), unquoted 5s and 1d included; a TimeSpan passes unchanged; anything else (a bare number too) is
    /// refused with the forms it accepts.</summary>
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            null => null,
            TimeSpan span => span,
            string text => Parse(text),
            // PowerShell's tokenizer reads an unquoted 5s as [short]5 and 1d as [decimal]1 (its numeric-literal
            // suffixes) before any parameter sees the text; those two types can only come from those spellings.
            short seconds => Parse(seconds.ToString(CultureInfo.InvariantCulture) + "s"),
            decimal days => Parse(days.ToString(CultureInfo.InvariantCulture) + "d"),
            _ => throw Refuse(value.ToString() ?? value.GetType().Name),
        };
    }

    private static TimeSpan Parse(string text) =>
        ValueParsers.TryParseDuration(text, out var duration) ? duration : throw Refuse(text);

    private static ArgumentTransformationMetadataException Refuse(string text) =>
        new($"'{text}' is not a duration. Write {ValueParsers.DurationForms}, or pass a [TimeSpan].");
}
