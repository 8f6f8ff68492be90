using BertServerless.Shared.Tokenization;
using BertServerless.Worker.Model;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// A start model meeting a domain vocabulary (<c>domain_vocab</c>): the job's vocabulary may differ from the model's
/// only in rows the model holds as <c>[unusedN]</c>, and each such row's new word starts as the mean of the pieces
/// the model's own vocabulary splits it into, both in the word embeddings (tied to the MLM decoder) and in the MLM
/// decoder's bias, so the model reads and predicts the whole word about as it did its pieces.
/// </summary>
public static class DomainEmbeddingInit
{
    /// <summary>Initialises the new words' rows; returns how many. Throws <see cref="InvalidDataException"/> when any other row differs.</summary>
    public static int Apply(BertForPreTraining model, BertTokenization modelVocabulary, BertTokenization jobVocabulary)
    {
        if (modelVocabulary.VocabSize != jobVocabulary.VocabSize)
            throw new InvalidDataException(
                $"The job's vocabulary has {jobVocabulary.VocabSize} tokens and the model's {modelVocabulary.VocabSize}: the vocabulary does not match the model.");
        var changed = Enumerable.Range(0, jobVocabulary.VocabSize)
            .Where(id => modelVocabulary.IdToToken(id) != jobVocabulary.IdToToken(id))
            .ToArray();
        foreach (var id in changed.Where(id => !DomainVocabulary.IsUnusedSlot(modelVocabulary.IdToToken(id))))
            throw new InvalidDataException(
                $"The vocabulary does not match the model: token {id} is '{jobVocabulary.IdToToken(id)}' in the job's vocabulary but " +
                $"'{modelVocabulary.IdToToken(id)}' in the model's; a domain vocabulary may only fill the model's [unusedN] slots.");

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var embeddings = model.bert.embeddings.word_embeddings.weight!;
        var bias = model.cls.predictions.bias;
        foreach (var id in changed)
        {
            // The model's vocabulary never yields an [unusedN] piece, so no piece is a row this loop rewrites.
            var pieces = tensor(modelVocabulary.Encode(jobVocabulary.IdToToken(id)).Select(p => (long)p).ToArray(), device: embeddings.device);
            embeddings[id].copy_(embeddings.index_select(0, pieces).mean([0]));
            bias[id].copy_(bias.index_select(0, pieces).mean([0]));
        }
        return changed.Length;
    }
}
