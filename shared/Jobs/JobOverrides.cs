using System.Globalization;
using System.Reflection;
using BertServerless.Shared.Prep;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// Per-upload options from blob metadata: each key names a property of <see cref="PrepOptions"/> or
/// <see cref="TrainingJobOptions"/>, case-insensitively (<c>maxlen=128</c>, <c>epochs=1</c>, <c>preset=tiny</c>).
/// A name both classes have (<c>seed</c>) sets both; <c>prep_seed</c> or <c>training_seed</c> sets one.
/// Like nanoGPT's configurator, an unknown key is an error, not a silent no-op: a typo must not train with defaults.
/// </summary>
public static class JobOverrides
{
    private const string PrepPrefix = "prep_";
    private const string TrainingPrefix = "training_";

    /// <summary>Option names a user may set, for error messages and help.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. Settable(typeof(PrepOptions)).Concat(Settable(typeof(TrainingJobOptions))).Select(p => p.Name).Distinct()];

    /// <summary>Applies every override; throws <see cref="ArgumentException"/> for an unknown key or a bad value.</summary>
    public static void Apply(IEnumerable<KeyValuePair<string, string>> overrides, PrepOptions prep, TrainingJobOptions training)
    {
        foreach (var (key, value) in overrides)
        {
            var name = key.Trim();
            var toPrep = !name.StartsWith(TrainingPrefix, StringComparison.OrdinalIgnoreCase);
            var toTraining = !name.StartsWith(PrepPrefix, StringComparison.OrdinalIgnoreCase);
            if (!toPrep) name = name[TrainingPrefix.Length..];
            if (!toTraining) name = name[PrepPrefix.Length..];

            var applied = (toPrep && TrySet(prep, name, key, value)) | (toTraining && TrySet(training, name, key, value));
            if (!applied)
                throw new ArgumentException($"Unknown job option '{key}'. Known options: {string.Join(", ", Names)}.");
        }
    }

    /// <summary>
    /// Applies the overrides and validates the options they give: the one check of a job's options, made by the
    /// intake and, before uploading, by <c>bertsl upload</c>. Throws <see cref="ArgumentException"/> naming the fault.
    /// </summary>
    public static void ApplyAndValidate(IEnumerable<KeyValuePair<string, string>> overrides, PrepOptions prep, TrainingJobOptions training)
    {
        Apply(overrides, prep, training);
        prep.Validate();
        training.Validate();
    }

    /// <summary>Parses <c>key=value</c> pairs as typed on a command line.</summary>
    public static IReadOnlyDictionary<string, string> ParsePairs(IEnumerable<string> pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0) throw new ArgumentException($"'{pair}' is not key=value (e.g. maxlen=128).");
            result[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }
        return result;
    }

    private static bool TrySet(object options, string name, string key, string value)
    {
        var property = Settable(options.GetType()).FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (property is null) return false;
        property.SetValue(options, Convert(property, key, value.Trim()));
        return true;
    }

    private static object? Convert(PropertyInfo property, string key, string value)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        // An empty value clears an optional setting (maxsteps=, basemodel=) and is an error for any other.
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
        return parsed ?? throw new ArgumentException($"Job option '{key}={value}' is not valid: {property.Name} takes {Expected(type)}.");
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

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetSetMethod() is not null);
}
