using System.CommandLine;
using BertServerless.Shared;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Evaluation;
using BertServerless.Worker.Training;
using TorchSharp;

namespace BertServerless.Cli.Commands;

/// <summary><c>bertsl eval</c>: scores a Hugging Face BERT on shards and prints the metrics as one JSON object (an <see cref="Shared.Training.EvaluationResult"/>).</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Hugging Face model directory (e.g. the final/ of bertsl train)", Required = true };
        var shards = new Option<DirectoryInfo>("--shards") { Description = "Directory of shards written by bertsl prep", Required = true };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };

        var command = new Command("eval", "Evaluate MLM and NSP loss and accuracy of a model on shards") { model, shards, batchSize, device };
        command.SetAction((parse, _) => CliErrors.RunAsync(() =>
        {
            var data = ShardDataset.Load(parse.GetValue(shards)!.FullName);
            var modelDirectory = parse.GetValue(model)!.FullName;
            if (!Directory.Exists(modelDirectory)) throw new DirectoryNotFoundException($"Model directory '{modelDirectory}' does not exist.");
            using var bert = HfCheckpoint.Load(modelDirectory);
            TrainingVocabulary.CheckModelFitsShards(bert.Config.VocabSize, data.Metadata);
            bert.to(TrainingDevice.Resolve(parse.GetValue(device)!));
            Console.WriteLine(DocumentJson.Serialize(Evaluator.Evaluate(bert, data, parse.GetValue(batchSize))));
            return Task.FromResult(CliErrors.Ok);
        }));
        return command;
    }
}
