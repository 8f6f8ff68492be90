using System.CommandLine;
using BertServerless.Cli.Commands;

var root = new RootCommand("bertsl: domain-adaptive pre-training of BERT (MLM + NSP) on your own books")
{
    RunCommand.Create(),
    PrepCommand.Create(),
    TrainCommand.Create(),
    EvalCommand.Create(),
    UploadCommand.Create(),
    StatusCommand.Create(),
    JobsCommand.Create(),
    QueuesCommand.Create(),
    LogsCommand.Create(),
    DownloadCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
