using BertServerless.Bench;

return await TrainingBenchmark.RunAsync(args);
