using BertServerless.Bench;

return args.FirstOrDefault() switch
{
    "prep" => await PrepBenchmark.RunAsync(args[1..]),
    "train" => await TrainingBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- prep [--big] | train [options]");
    return 2;
}
