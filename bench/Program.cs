using BertServerless.Bench;

return args.FirstOrDefault() switch
{
    "prep" => await PrepBenchmark.RunAsync(args[1..]),
    "train" => await TrainingBenchmark.RunAsync(args[1..]),
    "phases" => await PhasesBenchmark.RunAsync(args[1..]),
    "unpad" => await UnpaddingBenchmark.RunAsync(args[1..]),
    "optimizer" => await OptimizerBenchmark.RunAsync(args[1..]),
    "peak" => await MatmulPeak.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- prep [--big] [--bertsl PUBLISHED/bertsl.dll] [--env DOTNET_NAME=VALUE]...");
    Console.Error.WriteLine("       dotnet run -c Release --project bench -- train [--preset tiny,small,base] [--max-len 128,512] [--batch-size 16] [--measure-steps 10] [--precision auto|fp32|bf16|fp16]");
    Console.Error.WriteLine("             [--recipes tutorial,ours,bucketed] [--reference auto|off] [--shards DIR | --book FILE] [--device auto] [--threads N] [--steps N (leak run)]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench -- phases [--book FILE] [--preset tiny] [--steps 40] [--batch-size 16] [--max-len 128] [--phase2-max-len 512]");
    Console.Error.WriteLine("             [--phase2-fraction 0.1] [--device auto] [--threads N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench -- unpad --shards DIR [--presets tiny,small,base] [--batch-size 16] [--batches 4] [--threads N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench -- optimizer [--presets small,base] [--steps 10] [--threads N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench -- peak [--sizes 1024,2048,4096] [--device auto] [--threads N]");
    return 2;
}
