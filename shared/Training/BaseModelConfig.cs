namespace BertServerless.Shared.Training;

/// <summary>The fields of a base model's Hugging Face <c>config.json</c> that intake checks the job's options against.</summary>
public sealed record BaseModelConfig(int MaxPositionEmbeddings)
{
    public static BaseModelConfig Parse(string json, string sourceName)
    {
        var config = DocumentJson.Parse<BaseModelConfig>(json, sourceName, "Hugging Face config.json");
        return config.MaxPositionEmbeddings > 0 ? config
            : throw new InvalidDataException($"'{sourceName}' has no positive max_position_embeddings.");
    }
}
