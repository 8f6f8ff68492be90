using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace BertServerless.Shared;

/// <summary>
/// The one naming rule for the settings a user types. Property <c>MaxLen</c> is <c>max_len</c> everywhere a user meets
/// it: its JSON name in status.json and trainer_state.json, its <c>--set</c> and blob-metadata key, its configuration
/// key; and <c>--max-len</c> on the command line. Keys match ignoring case, '_' and '-', so the older spellings
/// (<c>maxlen</c>, <c>MaxLen</c>, <c>learningrate</c>) keep working and a value copied from status.json pastes into
/// <c>--set</c>. Like nanoGPT's configurator, an unknown key is an error, never a silent no-op.
/// </summary>
public static class Knobs
{
    /// <summary>The settable properties of an options class, in declaration order.</summary>
    public static IReadOnlyList<PropertyInfo> Of(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetSetMethod() is not null)];

    /// <summary><c>max_len</c>: the name in JSON, <c>--set</c>, metadata and configuration.</summary>
    public static string Name(PropertyInfo property) => JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);

    /// <summary><c>--max-len</c>: the command-line flag.</summary>
    public static string Flag(PropertyInfo property) => "--" + JsonNamingPolicy.KebabCaseLower.ConvertName(property.Name);

    public static PropertyInfo? Find(Type type, string key)
    {
        var bare = key.Trim().Replace("_", "").Replace("-", "");
        return Of(type).FirstOrDefault(p => p.Name.Equals(bare, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Sets the knob <paramref name="key"/> names; false when <paramref name="target"/> has none of that name.</summary>
    public static bool TrySet(object target, string key, string value)
    {
        if (Find(target.GetType(), key) is not { } property) return false;
        property.SetValue(target, Convert(property, key, value.Trim()));
        return true;
    }

    /// <summary>Applies every pair; an unknown key is an <see cref="ArgumentException"/> listing the known names.</summary>
    public static void Apply(object target, IEnumerable<KeyValuePair<string, string>> settings)
    {
        foreach (var (key, value) in settings)
            if (!TrySet(target, key, value))
                throw new ArgumentException($"Unknown option '{key}'. Known options: {string.Join(", ", Of(target.GetType()).Select(Name))}.");
    }

    /// <summary>Applies a configuration section (<c>Training:max_len</c>, <c>Training__MaxLen</c>) with the same rule.</summary>
    public static void Apply(object target, IConfigurationSection section)
        => Apply(target, section.GetChildren().Where(c => c.Value is not null).Select(c => KeyValuePair.Create(c.Key, c.Value!)));

    /// <summary>The knobs as <c>name=value</c> text, as <c>--set</c> takes them.</summary>
    public static string Describe(object options) => string.Join(" ", Of(options.GetType())
        .Select(p => (Name: Name(p), Value: p.GetValue(options)))
        .Where(k => k.Value is not null)
        .Select(k => $"{k.Name}={Format(k.Value!)}"));

    /// <summary>A knob's value as <c>--set</c> takes it back: invariant numbers, lower-case booleans, kebab-case enum names.</summary>
    public static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        Enum e => JsonNamingPolicy.KebabCaseLower.ConvertName(e.ToString()),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static object? Convert(PropertyInfo property, string key, string value)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        // An empty value clears an optional setting (max_steps=, base_model=) and is an error for any other.
        if (value.Length == 0 && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable)
            return null;

        var invariant = CultureInfo.InvariantCulture;
        object? parsed = type switch
        {
            _ when type == typeof(string) => value.Length > 0 ? value : null,
            _ when type == typeof(int) => int.TryParse(value, NumberStyles.Integer, invariant, out var i) ? i : null,
            _ when type == typeof(long) => long.TryParse(value, NumberStyles.Integer, invariant, out var l) ? l : null,
            _ when type == typeof(double) => double.TryParse(value, NumberStyles.Float, invariant, out var d) && double.IsFinite(d) ? d : null,
            _ when type == typeof(bool) => bool.TryParse(value, out var b) ? b : null,
            _ when type.IsEnum => ParseEnum(type, value),
            _ => null,
        };
        return parsed ?? throw new ArgumentException($"Option '{key}={value}' is not valid: {Name(property)} takes {Expected(type)}.");
    }

    /// <summary>Accepts enum names as the CLI prints them, with or without dashes: line-per-paragraph, LinePerParagraph.</summary>
    private static object? ParseEnum(Type type, string value)
    {
        var bare = value.Replace("-", "").Replace("_", "");
        return Enum.GetNames(type).FirstOrDefault(n => n.Equals(bare, StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse(type, name)
            : null;
    }

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) => "a number such as 0.15 or 5e-5",
        _ when type == typeof(bool) => "true or false",
        _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant())),
        _ => "text",
    };
}
