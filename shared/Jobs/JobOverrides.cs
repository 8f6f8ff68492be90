using BertServerless.Shared.Prep;
using BertServerless.Shared.Training;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// Per-upload options from blob metadata or <c>--set</c>: each key names a knob of <see cref="PrepOptions"/> or
/// <see cref="TrainingRecipe"/> by the <see cref="Knobs"/> rule (<c>max_len=128</c>, <c>epochs=1</c>, <c>preset=tiny</c>;
/// the older <c>maxlen</c> too). A name both have (<c>seed</c>) sets both; <c>prep_seed</c> or <c>training_seed</c> sets one.
/// </summary>
public static class JobOverrides
{
    private const string PrepPrefix = "prep_";
    private const string TrainingPrefix = "training_";

    /// <summary>Option names a user may set, for error messages and help.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. Knobs.Of(typeof(PrepOptions)).Concat(Knobs.Of(typeof(TrainingRecipe))).Select(Knobs.Name).Distinct()];

    /// <summary>Applies every override; throws <see cref="ArgumentException"/> for an unknown key or a bad value.</summary>
    public static void Apply(IEnumerable<KeyValuePair<string, string>> overrides, PrepOptions prep, TrainingRecipe recipe)
    {
        foreach (var (key, value) in overrides)
        {
            var name = key.Trim();
            var toPrep = !name.StartsWith(TrainingPrefix, StringComparison.OrdinalIgnoreCase);
            var toTraining = !name.StartsWith(PrepPrefix, StringComparison.OrdinalIgnoreCase);
            if (!toPrep) name = name[TrainingPrefix.Length..];
            if (!toTraining) name = name[PrepPrefix.Length..];

            var applied = (toPrep && Knobs.TrySet(prep, name, value)) | (toTraining && Knobs.TrySet(recipe, name, value));
            if (!applied)
                throw new ArgumentException($"Unknown job option '{key}'. Known options: {string.Join(", ", Names)}.");
        }
    }

    /// <summary>
    /// Applies the overrides and validates the options they give: the one check of a job's options, made by the
    /// intake and, before uploading, by <c>bertsl upload</c>. Throws <see cref="ArgumentException"/> naming the fault.
    /// </summary>
    public static void ApplyAndValidate(IEnumerable<KeyValuePair<string, string>> overrides, PrepOptions prep, TrainingRecipe recipe)
    {
        Apply(overrides, prep, recipe);
        prep.Validate();
        recipe.Validate();
        ValidateModel(prep, recipe, recipe.BaseModel is null ? ModelPresets.MaxPositionEmbeddings : null);
    }

    /// <summary>
    /// What the options need of the model, checked before any work so a job never fails in its first forward (on
    /// CUDA a device-side assert that can poison the process): a known preset when no base model is named, and
    /// max_len within the model's position embeddings (<paramref name="maxPositionEmbeddings"/>: the preset's, or
    /// the base model's config.json as the intake reads it; null when not known yet); likewise phase2_max_len, which
    /// a phase2_fraction needs.
    /// </summary>
    public static void ValidateModel(PrepOptions prep, TrainingRecipe recipe, int? maxPositionEmbeddings)
    {
        if (recipe.BaseModel is null && !ModelPresets.IsKnown(recipe.Preset))
            throw new ArgumentException($"preset must be one of {string.Join(", ", ModelPresets.Names)} (got '{recipe.Preset}'); to continue from a checkpoint, set base_model.");
        if (maxPositionEmbeddings is { } positions && prep.MaxLen > positions)
            throw new ArgumentException($"max_len must be between 8 and {positions}, the model's max_position_embeddings (got {prep.MaxLen}).");
        if (maxPositionEmbeddings is { } limit && prep.Phase2MaxLen > limit)
            throw new ArgumentException($"phase2_max_len must be at most {limit}, the model's max_position_embeddings (got {prep.Phase2MaxLen}).");
        if (recipe.Phase2Fraction > 0 && prep.Phase2MaxLen is null)
            throw new ArgumentException($"phase2_fraction={recipe.Phase2Fraction} needs phase2_max_len (e.g. 512): the second phase trains on shards of that length.");
    }

    /// <summary>
    /// The name <see cref="Apply"/> reads <paramref name="key"/> as (<c>maxlen</c> → <c>max_len</c>, <c>Training_Seed</c>
    /// → <c>training_seed</c>); an unknown key is returned as it is, for <see cref="Apply"/> to reject.
    /// </summary>
    public static string CanonicalName(string key)
    {
        var name = key.Trim();
        var prefix = new[] { PrepPrefix, TrainingPrefix }.FirstOrDefault(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)) ?? "";
        var bare = name[prefix.Length..];
        var property = Knobs.Find(typeof(PrepOptions), bare) ?? Knobs.Find(typeof(TrainingRecipe), bare);
        return property is null ? key : prefix + Knobs.Name(property);
    }

    /// <summary>Parses <c>key=value</c> pairs as typed on a command line.</summary>
    public static IReadOnlyDictionary<string, string> ParsePairs(IEnumerable<string> pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0) throw new ArgumentException($"'{pair}' is not key=value (e.g. max_len=128).");
            result[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }
        return result;
    }
}
