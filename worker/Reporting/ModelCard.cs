using System.Globalization;
using System.Text;
using BertServerless.Shared;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Training;
using BertServerless.Worker.Model;

namespace BertServerless.Worker.Reporting;

/// <summary>What a model card says about a finished run: where it started, what it read, how it trained, how it scored.</summary>
public sealed record ModelCardFacts(
    TrainingRecipe Recipe,
    BertConfig Config,
    IReadOnlyDictionary<string, string> ShardMetadata,
    int Steps,
    TimeSpan TrainingTime,
    bool Resumed,
    string Hardware,
    EvaluationReport Evaluation)
{
    /// <summary>The words prep gave the vocabulary's unused slots (domain_vocab), when it did.</summary>
    public DomainVocabularyReport? DomainVocabulary { get; init; }
}

/// <summary>
/// <c>final/README.md</c> in Hugging Face's model-card form (YAML front matter, then Markdown), so the hub and a
/// reader see what the model is: the starting point, the book, every knob, the steps, time and hardware, the held-out
/// scores before and after, and how to load it.
/// </summary>
public static class ModelCard
{
    public static void Save(string directory, ModelCardFacts facts)
    {
        var path = Path.Combine(directory, CheckpointLayout.ModelCardFile);
        File.WriteAllText(path + CheckpointLayout.PartialSuffix, Render(facts));
        File.Move(path + CheckpointLayout.PartialSuffix, path, overwrite: true);
    }

    public static string Render(ModelCardFacts facts)
    {
        var recipe = facts.Recipe;
        var book = facts.ShardMetadata.GetValueOrDefault(Shared.Shards.ShardFormat.Meta.Source, "an uploaded book");
        var start = recipe.BaseModel is { } baseModel ? $"further pre-trained from `{baseModel}`" : $"pre-trained from scratch (preset `{recipe.Preset}`)";
        var card = new StringBuilder();
        card.AppendLine("---");
        card.AppendLine("library_name: transformers");
        if (recipe.BaseModel is { } name) card.AppendLine($"base_model: {Yaml(name)}");
        card.AppendLine("pipeline_tag: fill-mask");
        card.AppendLine("tags:");
        foreach (var tag in new[] { "bert", "fill-mask", "masked-language-modeling", "next-sentence-prediction", "domain-adaptation", "bertserverless" })
            card.AppendLine($"- {tag}");
        card.AppendLine("datasets:");
        card.AppendLine($"- {Yaml(book)}");
        card.AppendLine("---");
        card.AppendLine();
        card.AppendLine($"# BERT {start} on {book}");
        card.AppendLine();
        card.AppendLine(Invariant($"A `BertForPreTraining` model ({facts.Config.NumHiddenLayers} layers, hidden size {facts.Config.HiddenSize}, {facts.Config.NumAttentionHeads} heads, vocabulary {facts.Config.VocabSize}) trained with masked-language modelling and next-sentence prediction by BertServerless: {facts.Steps} optimizer steps on {facts.Hardware}, the last attempt taking {facts.TrainingTime:hh\\:mm\\:ss}{(facts.Resumed ? " after resuming from a checkpoint of an earlier one" : "")}."));
        card.AppendLine();
        card.AppendLine("## Held-out evaluation");
        card.AppendLine();
        card.AppendLine(EvaluationTable(facts.Evaluation));
        card.AppendLine("## Control text");
        card.AppendLine();
        card.AppendLine(ControlTable(facts.Evaluation));
        if (facts.DomainVocabulary is { } domain) card.AppendLine(DomainVocabularySection(domain));
        card.AppendLine("## How to use");
        card.AppendLine();
        card.AppendLine("```python");
        card.AppendLine("from transformers import BertForPreTraining, BertTokenizer, pipeline");
        card.AppendLine("model = BertForPreTraining.from_pretrained(\"path/to/final\")");
        card.AppendLine("tokenizer = BertTokenizer.from_pretrained(\"path/to/final\")");
        card.AppendLine("fill = pipeline(\"fill-mask\", model=\"path/to/final\")");
        card.AppendLine("fill(\"The soul becomes dyed with the colour of its [MASK].\")");
        card.AppendLine("```");
        card.AppendLine();
        card.AppendLine("## Training recipe");
        card.AppendLine();
        card.AppendLine("| knob | value |");
        card.AppendLine("|---|---|");
        foreach (var property in Knobs.Of(typeof(TrainingRecipe)))
            card.AppendLine($"| `{Knobs.Name(property)}` | {Cell(property.GetValue(recipe))} |");
        card.AppendLine();
        card.AppendLine("## Data preparation (from the shards)");
        card.AppendLine();
        card.AppendLine("| setting | value |");
        card.AppendLine("|---|---|");
        foreach (var (key, value) in facts.ShardMetadata.OrderBy(m => m.Key, StringComparer.Ordinal))
            card.AppendLine($"| `{key}` | {Cell(value)} |");
        card.AppendLine();
        card.AppendLine($"`loss.png` beside this card plots the MLM and NSP loss and the learning rate over the steps; `trainer_state.json` holds the same history.");
        return card.ToString();
    }

    private static string EvaluationTable(EvaluationReport evaluation)
    {
        if (evaluation.Before is null && evaluation.After is null) return "No sequences were held out, so there is no evaluation.\n";
        var table = new StringBuilder();
        AppendScores(table, evaluation.Before, evaluation.After);
        table.AppendLine();
        var sequences = evaluation.After?.Sequences ?? evaluation.Before!.Sequences;
        table.AppendLine(Invariant($"On {sequences} held-out sequences of the book ({string.Join(", ", evaluation.EvalShards)})."));
        return table.ToString();
    }

    /// <summary>The start and final model's scores on one text, a row each.</summary>
    private static void AppendScores(StringBuilder table, EvaluationResult? before, EvaluationResult? after)
    {
        table.AppendLine("| | MLM loss | perplexity | MLM accuracy | NSP accuracy |");
        table.AppendLine("|---|---|---|---|---|");
        foreach (var (label, result) in new[] { ("before", before), ("after", after) })
            if (result is not null)
                table.AppendLine(Invariant($"| {label} | {result.MlmLoss:F4} | {result.Perplexity:F1} | {result.MlmAccuracy:F4} | {result.NspAccuracy:F4} |"));
    }

    /// <summary>The other half of the adaptation report: what the model kept of general English while it learned the book.</summary>
    private static string ControlTable(EvaluationReport evaluation)
    {
        if (evaluation.ControlBefore is null && evaluation.ControlAfter is null) return "No control text was scored (the worker had none, or the vocabulary cannot tokenize text).\n";
        var table = new StringBuilder();
        AppendScores(table, evaluation.ControlBefore, evaluation.ControlAfter);
        table.AppendLine();
        var sequences = evaluation.ControlAfter?.Sequences ?? evaluation.ControlBefore!.Sequences;
        table.AppendLine(Invariant($"On the first {sequences} sequences of {evaluation.ControlText}, H. G. Wells's *The Time Machine* (general English, public domain), prepared as the book was: \"before\" is the start model, \"after\" the final one. The book's loss falling while this one holds shows the model learned the book without forgetting English."));
        return table.ToString();
    }

    private static string DomainVocabularySection(DomainVocabularyReport domain)
    {
        var section = new StringBuilder();
        section.AppendLine("## Domain vocabulary");
        section.AppendLine();
        section.AppendLine(Invariant($"{domain.Words.Count} of the book's words, each used at least {domain.MinCount} times and split into three or more pieces before, took the vocabulary's `[unusedN]` slots; they save {domain.SavedShare:P2} of the book's word-piece tokens ({domain.TokensBefore:N0} → {domain.TokensAfter:N0}). Each started as the mean of its former pieces' embeddings."));
        section.AppendLine();
        section.AppendLine("| word | id | uses | pieces before | tokens saved |");
        section.AppendLine("|---|---|---|---|---|");
        foreach (var word in domain.Words)
            section.AppendLine(Invariant($"| {word.Word.Replace("|", "\\|")} | {word.Id} | {word.Count} | {string.Join(' ', word.PiecesBefore).Replace("|", "\\|")} | {word.TokensSaved} |"));
        return section.ToString();
    }

    private static string Cell(object? value) => value is null ? "(unset)" : Knobs.Format(value).Replace("|", "\\|");

    // Double-quoted YAML scalar: a book named "a: b.txt" must not become a mapping.
    private static string Yaml(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
