namespace BertServerless.Shared.Training;

/// <summary>
/// The model presets a job may name (<c>preset=tiny</c>): the one list intake checks against and the worker builds
/// from (worker/Model/BertConfig.cs holds their sizes). Every preset has bert-base's 512 position embeddings.
/// </summary>
public static class ModelPresets
{
    public static IReadOnlyList<string> Names { get; } = ["tiny", "mini", "small", "base"];

    /// <summary>max_position_embeddings of every preset: no sequence may be longer.</summary>
    public const int MaxPositionEmbeddings = 512;

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);
}
