using BertServerless.Shared;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Training;
using BertServerless.Tests;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Evaluation;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

/// <summary>A domain vocabulary meeting a trained model (issue 13 part 1), and the adaptation report's start and control scores (part 4).</summary>
public sealed class DomainVocabularyTrainingTests : IDisposable
{
    private static readonly BertTokenization Bert = BertTokenization.Default;
    private static readonly TrainingHardware Cpu = new() { Device = "cpu", LogEvery = 1 };
    private readonly string _directory = Directory.CreateTempSubdirectory("bertsl-domain-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static BertForPreTraining TinyModel(int seed)
    {
        manual_seed(seed);
        return new BertForPreTraining(BertConfig.Preset("tiny", Bert.VocabSize));
    }

    private static DomainVocabularyResult MeditationsVocabulary(int words)
    {
        using var book = File.OpenRead(TestData.Meditations);
        return DomainVocabulary.Build(Bert, BookReader.ReadParagraphs(book, new BookReaderOptions(), "meditations.txt"), words, minCount: 5);
    }

    private static float[] Row(Tensor matrix, long id) => matrix[id].detach().cpu().data<float>().ToArray();

    [Fact]
    public void Apply_sets_each_new_word_to_the_exact_mean_of_its_former_pieces()
    {
        var domain = MeditationsVocabulary(words: 10);
        using var model = TinyModel(seed: 5);
        var embeddings = model.bert.embeddings.word_embeddings.weight!;
        var bias = model.cls.predictions.bias;
        using (no_grad()) bias.copy_(randn(bias.shape)); // zeros at init would make the bias check trivial
        var before = embeddings.detach().clone();
        var biasBefore = bias.detach().clone().data<float>().ToArray();

        Assert.Equal(10, DomainEmbeddingInit.Apply(model, Bert, domain.Tokenization));

        foreach (var word in domain.Words)
        {
            var pieces = Bert.Encode(word.Word);
            var expected = Enumerable.Range(0, (int)embeddings.shape[1])
                .Select(j => pieces.Select(p => Row(before, p)[j]).Average()).ToArray();
            Assert.Equal(expected, Row(embeddings, word.Id), (a, b) => Math.Abs(a - b) < 1e-6);
            Assert.Equal(pieces.Select(p => biasBefore[p]).Average(), bias[word.Id].item<float>(), 1e-6);
        }
        // Every other row is untouched, and the decoder still reads the same (tied) matrix.
        var untouched = Enumerable.Range(0, Bert.VocabSize).Except(domain.Words.Select(w => w.Id)).Select(i => (long)i).ToArray();
        Assert.True(embeddings.index_select(0, tensor(untouched)).equal(before.index_select(0, tensor(untouched))).all().item<bool>());
        Assert.True(model.cls.predictions.decoder.weight!.equal(embeddings).all().item<bool>());
    }

    [Fact]
    public void Apply_rejects_a_vocabulary_that_changes_more_than_unused_slots()
    {
        var tokens = Enumerable.Range(0, Bert.VocabSize).Select(Bert.IdToToken).ToArray();
        var theId = Bert.Encode("the")[0];
        tokens[theId] = "zqxthe";
        var other = BertTokenization.FromVocabBytes(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', tokens) + "\n"), true, "test");
        using var model = TinyModel(seed: 5);

        var error = Assert.Throws<InvalidDataException>(() => DomainEmbeddingInit.Apply(model, Bert, other));
        Assert.Contains("does not match the model", error.Message);
        Assert.Contains($"token {theId} is 'zqxthe'", error.Message);
    }

    [Fact]
    public async Task Run_with_a_domain_vocabulary_trains_a_base_model_that_loads_and_evaluates_and_reports_start_and_control()
    {
        // A "pretrained" base model in Hugging Face layout with bert-base-uncased's vocabulary.
        var baseModel = Path.Combine(_directory, "base");
        using (var model = TinyModel(seed: 7)) HfCheckpoint.Save(model, baseModel, TrainingVocabulary.DefaultFile());
        var shards = Path.Combine(_directory, "shards");
        await using (var book = File.OpenRead(TestData.Meditations))
            await new PrepPipeline(Bert, new PrepOptions { MaxLen = 64, DomainVocab = 20 }).RunAsync(book, "meditations.txt", new DirectoryShardSink(shards));
        var recipe = new TrainingRecipe { BaseModel = baseModel, BatchSize = 8, MaxSteps = 4, SaveEvery = 2, LearningRate = 1e-3, EvalFraction = 0.05 };

        var run = new TrainingJob(shards, Path.Combine(_directory, "out"), recipe, Cpu).Run();

        var final = Path.Combine(_directory, "out", CheckpointLayout.FinalFolder);
        Assert.Equal(File.ReadAllBytes(Path.Combine(shards, CheckpointLayout.VocabFile)), File.ReadAllBytes(Path.Combine(final, CheckpointLayout.VocabFile)));
        var eval = EvaluationReport.Parse(File.ReadAllText(Path.Combine(_directory, "out", CheckpointLayout.EvalFile)), "eval.json");
        Assert.Equal(ControlText.FileName, eval.ControlText);
        Assert.Equal(ControlText.MaxSequences, eval.ControlBefore!.Sequences);
        foreach (var result in new[] { eval.Before!, eval.After!, eval.ControlBefore, eval.ControlAfter! })
            Assert.True(double.IsFinite(result.MlmLoss) && result.MlmLoss > 0, result.ToString());
        var card = File.ReadAllText(Path.Combine(final, CheckpointLayout.ModelCardFile));
        Assert.Contains("## Control text", card);
        Assert.Contains("## Domain vocabulary", card);
        Assert.Contains("| thyself | 1 | 120 | thy ##sel ##f | 240 |", card);

        using var trained = HfCheckpoint.Load(final);
        var held = ShardDataset.LoadWithHoldOut(shards, recipe.EvalFraction).Eval!;
        Assert.Equal(eval.After!.MlmLoss, Evaluator.Evaluate(trained, held, 8).MlmLoss, 1e-4);

        // Resumed from step 2, the start scores are still the base model's, not the resumed weights'.
        var resumed = new TrainingJob(shards, Path.Combine(_directory, "resumed"), recipe, Cpu)
        {
            ResumeFrom = Path.Combine(_directory, "out", CheckpointLayout.StepFolder(2)),
        }.Run();
        Assert.Equal(run.Evaluation.Before, resumed.Evaluation.Before);
        Assert.Equal(run.Evaluation.ControlBefore, resumed.Evaluation.ControlBefore);
        Assert.Equal(run.Evaluation.After!.MlmLoss, resumed.Evaluation.After!.MlmLoss, 1e-4);
    }
}
