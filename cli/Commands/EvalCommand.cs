using System.CommandLine;
using System.Text.Json;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Evaluation;
using BertServerless.Shared.Shards;
using BertServerless.Worker.Training;
using TorchSharp;

namespace BertServerless.Cli.Commands;

/// <summary><c>bertsl eval</c>: scores a Hugging Face BERT on shards and prints the metrics as one JSON object.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Hugging Face model directory", Required = true };
        var shards = new Option<DirectoryInfo>("--shards") { Description = "Directory of shards written by bertsl prep", Required = true };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };

        var command = new Command("eval", "Evaluate MLM and NSP loss and accuracy of a model on shards") { model, shards, batchSize, device };
        command.SetAction(parse =>
        {
            try
            {
                var data = ShardDataset.Load(parse.GetValue(shards)!.FullName);
                var modelDirectory = parse.GetValue(model)!.FullName;
                if (!Directory.Exists(modelDirectory)) throw new DirectoryNotFoundException($"Model directory '{modelDirectory}' does not exist.");
                using var bert = HfCheckpoint.Load(modelDirectory);
                if (data.Metadata.TryGetValue(ShardFormat.Meta.VocabSize, out var vocabSize) && vocabSize != bert.Config.VocabSize.ToString())
                    throw new InvalidDataException($"The shards were prepared with a {vocabSize}-token vocabulary, the model has {bert.Config.VocabSize}.");
                bert.to(TrainingDevice.Resolve(parse.GetValue(device)!));
                var result = Evaluator.Evaluate(bert, data, parse.GetValue(batchSize));
                Console.WriteLine(JsonSerializer.Serialize(result));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Bad paths and mismatched inputs are the user's to fix: say what is wrong, without a stack trace.
                var message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
                Console.Error.WriteLine($"bertsl eval: {message}");
                return 2;
            }
        });
        return command;
    }
}
