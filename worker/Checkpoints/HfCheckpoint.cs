using System.Text.Json.Nodes;
using BertServerless.Shared;
using BertServerless.Shared.SafeTensors;
using BertServerless.Shared.Training;
using BertServerless.Worker.Training;
using BertServerless.Worker.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Checkpoints;

/// <summary>
/// Loads and saves <see cref="BertForPreTraining"/> as a Hugging Face model directory, so a checkpoint goes both ways
/// with <c>transformers.BertForPreTraining.from_pretrained</c>.
/// </summary>
public static class HfCheckpoint
{
    // Keys real checkpoints carry that are not parameters here: a positions buffer older transformers saved, and the
    // decoder bias, an alias of cls.predictions.bias.
    private const string PositionIdsBuffer = "bert.embeddings.position_ids";
    private const string DecoderBias = "cls.predictions.decoder.bias";
    private const string PredictionsBias = "cls.predictions.bias";

    /// <summary>
    /// Reads config.json and the weights (model.safetensors, sharded safetensors, or pytorch_model.bin) into a new
    /// model on the CPU. Accepts TF-era LayerNorm.gamma/beta names, an omitted or present tied decoder weight, and the
    /// position_ids buffer; any other missing or unexpected key is an error listing them all.
    /// </summary>
    public static BertForPreTraining Load(string modelDir)
    {
        var config = BertConfig.Load(Path.Combine(modelDir, CheckpointLayout.ConfigFile));
        var vocab = Path.Combine(modelDir, CheckpointLayout.VocabFile);
        if (File.Exists(vocab)) TrainingVocabulary.CheckFitsModel(vocab, config.VocabSize);

        var model = new BertForPreTraining(config);
        try
        {
            // The scope frees the loaded copies; the model's own parameters were created outside it.
            using var scope = NewDisposeScope();
            CopyInto(model, Normalize(HfStateDict.Read(modelDir), modelDir), modelDir);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>
    /// Writes config.json, model.safetensors (float32, streamed from the parameters; the tied decoder weight omitted, as
    /// save_pretrained does, since from_pretrained re-ties it), vocab.txt (copied from <paramref name="vocabPath"/>) and tokenizer_config.json.
    /// Each file is written beside its final name and then moved over it, so a crash leaves the old file whole.
    /// </summary>
    public static void Save(BertForPreTraining model, string modelDir, string vocabPath, bool doLowerCase = true)
    {
        TrainingVocabulary.CheckFitsModel(vocabPath, model.Config.VocabSize);
        Directory.CreateDirectory(modelDir);

        var tensors = model.state_dict()
            .Where(p => p.Key != BertForPreTraining.TiedDecoderWeight)
            .Select(p => TorchSafeTensors.Float32(p.Key, p.Value))
            .ToList();
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        WriteReplacing(Path.Combine(modelDir, CheckpointLayout.WeightsFile), path => new SafeTensorsFile(tensors, metadata).Write(path));
        WriteReplacing(Path.Combine(modelDir, CheckpointLayout.ConfigFile), model.Config.Save);
        WriteReplacing(Path.Combine(modelDir, CheckpointLayout.VocabFile), path => File.Copy(vocabPath, path, overwrite: true));
        var tokenizerConfig = new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = doLowerCase,
            ["model_max_length"] = model.Config.MaxPositionEmbeddings,
        };
        WriteReplacing(Path.Combine(modelDir, CheckpointLayout.TokenizerConfigFile),
            path => File.WriteAllText(path, tokenizerConfig.ToJsonString(DocumentJson.Options)));
    }

    private static void CopyInto(BertForPreTraining model, Dictionary<string, Tensor> stored, string modelDir)
    {
        var parameters = model.state_dict();
        parameters.Remove(BertForPreTraining.TiedDecoderWeight);

        var missing = parameters.Keys.Except(stored.Keys).Order().ToArray();
        var unexpected = stored.Keys.Except(parameters.Keys).Order().ToArray();
        if (missing.Length > 0 || unexpected.Length > 0)
            throw new InvalidDataException($"The weights in '{modelDir}' do not fit BertForPreTraining: "
                + $"missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}].");
        var misshapen = parameters.Where(p => !p.Value.shape.SequenceEqual(stored[p.Key].shape))
            .Select(p => $"{p.Key} [{string.Join(", ", stored[p.Key].shape)}], expected [{string.Join(", ", p.Value.shape)}]")
            .ToArray();
        if (misshapen.Length > 0)
            throw new InvalidDataException($"The weights in '{modelDir}' have the wrong shape for its config.json: {string.Join("; ", misshapen)}.");

        using (no_grad())
            foreach (var (name, parameter) in parameters) parameter.copy_(stored[name]);
    }

    // Maps stored names onto this model's: gamma/beta to weight/bias, the buffer dropped, tied copies checked and dropped.
    private static Dictionary<string, Tensor> Normalize(Dictionary<string, Tensor> stored, string modelDir)
    {
        var tensors = stored.ToDictionary(p => p.Key.Replace("LayerNorm.gamma", "LayerNorm.weight").Replace("LayerNorm.beta", "LayerNorm.bias"), p => p.Value);
        tensors.Remove(PositionIdsBuffer);
        if (tensors.Remove(DecoderBias, out var decoderBias) && !tensors.TryAdd(PredictionsBias, decoderBias))
            RequireEqual(tensors[PredictionsBias], decoderBias, DecoderBias, PredictionsBias, modelDir);
        if (tensors.Remove(BertForPreTraining.TiedDecoderWeight, out var decoder) && tensors.TryGetValue(BertForPreTraining.WordEmbeddingsWeight, out var embeddings))
            RequireEqual(embeddings, decoder, BertForPreTraining.TiedDecoderWeight, BertForPreTraining.WordEmbeddingsWeight, modelDir);
        return tensors;
    }

    // This model always ties these pairs; a checkpoint in which they differ was trained untied and would silently change.
    private static void RequireEqual(Tensor kept, Tensor alias, string aliasName, string keptName, string modelDir)
    {
        if (!kept.shape.SequenceEqual(alias.shape) || !kept.eq(alias).all().item<bool>())
            throw new InvalidDataException($"In '{modelDir}', {aliasName} differs from {keptName}; this model ties them and cannot load untied weights.");
    }

    private static void WriteReplacing(string path, Action<string> write)
    {
        var temporary = path + ".tmp";
        write(temporary);
        File.Move(temporary, path, overwrite: true);
    }
}
