using BertServerless.Shared;
using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using BertServerless.Worker.Reporting;

namespace BertServerless.Worker.Tests.Reporting;

public class ModelCardTests
{
    private static ModelCardFacts Facts(TrainingRecipe recipe, EvaluationReport? evaluation = null) => new(
        recipe,
        BertConfig.Preset("tiny", 30522),
        new Dictionary<string, string> { ["source"] = "my: book.txt", ["max_len"] = "128", ["masking"] = "standard" },
        Steps: 114,
        TrainingTime: TimeSpan.FromSeconds(75),
        Resumed: false,
        Hardware: "CPU (2 threads)",
        evaluation ?? new EvaluationReport(
            new EvaluationResult(10.37, 0.69, 11.06, 31871.0, 0.01, 0.5, 40),
            new EvaluationResult(6.36, 0.68, 7.04, 579.0, 0.21, 0.55, 40),
            ["shard-00000-000.safetensors"]));

    [Fact]
    public void Render_fresh_preset_has_front_matter_scores_every_knob_and_loading_code()
    {
        var card = ModelCard.Render(Facts(new TrainingRecipe { Preset = "tiny", LearningRate = 1e-3 }));

        Assert.StartsWith("---\nlibrary_name: transformers\n", card);
        Assert.DoesNotContain("base_model:", card);
        Assert.Contains("datasets:\n- \"my: book.txt\"\n---", card); // quoted: the colon must not make a YAML mapping
        Assert.Contains("pre-trained from scratch (preset `tiny`)", card);
        Assert.Contains("| before | 10.3700 | 31871.0 | 0.0100 | 0.5000 |", card);
        Assert.Contains("| after | 6.3600 | 579.0 | 0.2100 | 0.5500 |", card);
        Assert.Contains("114 optimizer steps on CPU (2 threads), the last attempt taking 00:01:15.", card);
        foreach (var knob in Knobs.Of(typeof(TrainingRecipe)))
            Assert.Contains($"| `{Knobs.Name(knob)}` |", card);
        Assert.Contains("| `learning_rate` | 0.001 |", card);
        Assert.Contains("| `max_len` | 128 |", card);
        Assert.Contains("BertForPreTraining.from_pretrained", card);
        Assert.Contains("pipeline(\"fill-mask\"", card);
    }

    [Fact]
    public void Render_base_model_names_it_in_front_matter_and_title()
    {
        var card = ModelCard.Render(Facts(new TrainingRecipe { BaseModel = "job-1/final/" }));

        Assert.Contains("\nbase_model: \"job-1/final/\"\n", card);
        Assert.Contains("further pre-trained from `job-1/final/`", card);
    }

    [Fact]
    public void Render_without_held_out_data_says_so()
    {
        var card = ModelCard.Render(Facts(new TrainingRecipe(), new EvaluationReport(null, null, [])));
        Assert.Contains("No sequences were held out", card);
    }
}
