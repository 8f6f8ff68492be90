using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using BertServerless.Shared;
using BertServerless.Shared.Training;

namespace BertServerless.Worker.Model;

/// <summary>
/// The architecture of a BERT model, field for field Hugging Face's <c>config.json</c> (same JSON names, same defaults),
/// so a checkpoint directory written here loads with <c>transformers</c> and the other way round.
/// </summary>
public sealed class BertConfig
{
    [JsonPropertyName("vocab_size")] public int VocabSize { get; set; } = 30522;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; set; } = 768;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; set; } = 12;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; set; } = 12;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; set; } = 3072;
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; set; } = "gelu";
    [JsonPropertyName("hidden_dropout_prob")] public double HiddenDropoutProb { get; set; } = 0.1;
    [JsonPropertyName("attention_probs_dropout_prob")] public double AttentionProbsDropoutProb { get; set; } = 0.1;
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; set; } = 512;
    // Two segments: sentence A and sentence B of an NSP pair.
    [JsonPropertyName("type_vocab_size")] public int TypeVocabSize { get; set; } = 2;
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; set; } = 0.02;
    // Google's original BERT value, far below LayerNorm's usual 1e-5; checkpoints were trained with it.
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; set; } = 1e-12;
    [JsonPropertyName("pad_token_id")] public int PadTokenId { get; set; }

    // Without these five a config describes no particular model; HF's defaults would silently build bert-base.
    private static readonly string[] RequiredFields =
        ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"];

    private static readonly string[] Activations = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"];

    /// <summary>Reads a Hugging Face <c>config.json</c>; a missing size field or an unsupported value is an <see cref="InvalidDataException"/> naming it.</summary>
    public static BertConfig Load(string configJsonPath)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(configJsonPath)) as JsonObject
                   ?? throw Invalid(configJsonPath, "it is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Invalid(configJsonPath, $"it is not valid JSON ({e.Message})");
        }

        var missing = RequiredFields.Where(f => json[f] is null).ToArray();
        if (missing.Length > 0) throw Invalid(configJsonPath, $"missing field(s) {string.Join(", ", missing)}");
        if (json["model_type"] is { } modelType && modelType.ToString() != "bert")
            throw Invalid(configJsonPath, $"model_type is '{modelType}', not 'bert'");
        if (json["position_embedding_type"] is { } positions && positions.ToString() != "absolute")
            throw Invalid(configJsonPath, $"position_embedding_type '{positions}' is not supported (only 'absolute')");

        BertConfig config;
        try
        {
            config = json.Deserialize<BertConfig>(DocumentJson.Options)!;
        }
        catch (JsonException e)
        {
            throw Invalid(configJsonPath, $"field {e.Path} has the wrong type ({e.Message})");
        }
        var problem = config.Problem();
        return problem is null ? config : throw Invalid(configJsonPath, problem);
    }

    /// <summary>
    /// A named architecture: "tiny" (2 layers, 128 hidden, 2 heads, 512 FFN) for tests, "mini" (4, 256, 4, 1024),
    /// "small" (4, 512, 8, 2048), "base" (bert-base: 12, 768, 12, 3072). The FFN is 4x hidden as in BERT.
    /// </summary>
    public static BertConfig Preset(string name, int vocabSize = 30522)
    {
        var (layers, hidden, heads) = name switch
        {
            "tiny" => (2, 128, 2),
            "mini" => (4, 256, 4),
            "small" => (4, 512, 8),
            "base" => (12, 768, 12),
            _ => throw new ArgumentException($"Unknown model preset '{name}' (known: tiny, mini, small, base).", nameof(name)),
        };
        return new BertConfig
        {
            VocabSize = vocabSize,
            HiddenSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            IntermediateSize = 4 * hidden,
        };
    }

    /// <summary>A preset name (sized to <paramref name="vocabSize"/>), a <c>config.json</c> path, or a model directory holding one.</summary>
    public static BertConfig FromPresetOrPath(string presetOrPath, int vocabSize = 30522)
    {
        if (Directory.Exists(presetOrPath)) return Load(Path.Combine(presetOrPath, CheckpointLayout.ConfigFile));
        if (File.Exists(presetOrPath)) return Load(presetOrPath);
        return Preset(presetOrPath, vocabSize);
    }

    /// <summary>Writes <c>config.json</c> as <c>transformers</c> does for <c>BertForPreTraining</c>.</summary>
    public void Save(string configJsonPath)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("BertForPreTraining"),
            ["model_type"] = "bert",
            ["position_embedding_type"] = "absolute",
        };
        foreach (var (key, value) in JsonSerializer.SerializeToNode(this, DocumentJson.Options)!.AsObject())
            json[key] = value?.DeepClone();
        File.WriteAllText(configJsonPath, json.ToJsonString(DocumentJson.Options));
    }

    private string? Problem()
    {
        if (VocabSize <= 0 || HiddenSize <= 0 || NumHiddenLayers <= 0 || NumAttentionHeads <= 0 || IntermediateSize <= 0
            || MaxPositionEmbeddings <= 0 || TypeVocabSize <= 0)
            return "sizes must be positive";
        if (HiddenSize % NumAttentionHeads != 0)
            return $"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}";
        if (!Activations.Contains(HiddenAct))
            return $"hidden_act '{HiddenAct}' is not supported (supported: {string.Join(", ", Activations)})";
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            return $"pad_token_id {PadTokenId} is outside the vocabulary of {VocabSize}";
        return null;
    }

    private static InvalidDataException Invalid(string path, string reason) => new($"'{path}' is not a usable BERT config.json: {reason}.");
}
