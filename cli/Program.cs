using System.CommandLine;
using BertServerless.Cli;
using BertServerless.Cli.Commands;

var root = new RootCommand("bertsl: domain-adaptive pre-training of BERT (MLM + NSP) on your own books")
{
    RunCommand.Create(), PrepCommand.Create(), TrainCommand.Create(), EvalCommand.Create(), UploadCommand.Create(), StatusCommand.Create(),
    JobsCommand.Create(), QueuesCommand.Create(), LogsCommand.Create(), DownloadCommand.Create(),
    CancelCommand.Create(), ResumeCommand.Create(),
};
var parse = root.Parse(args);
var exitCode = await parse.InvokeAsync();
// System.CommandLine reports a parse error (unknown flag, missing argument) with 1; ours means bad usage.
return parse.Errors.Count > 0 ? CliErrors.BadInput : exitCode;
