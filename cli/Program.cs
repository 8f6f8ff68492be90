using System.CommandLine;
using BertServerless.Cli;
using BertServerless.Cli.Commands;

var root = new RootCommand("bertsl: domain-adaptive pre-training of BERT (MLM + NSP) on your own books")
{
    RunCommand.Create(), PrepCommand.Create(), TrainCommand.Create(), EvalCommand.Create(), UploadCommand.Create(), StatusCommand.Create(),
    JobsCommand.Create(), QueuesCommand.Create(), LogsCommand.Create(), DownloadCommand.Create(),
    CancelCommand.Create(), ResumeCommand.Create(), ServeCommand.Create(),
};
var parse = root.Parse(args);
// Ctrl-C cancels the command's token; a host then stops gracefully (the worker uploads a stop checkpoint), which
// takes up to its 30-second shutdown timeout, longer than System.CommandLine's 2-second default allows.
var exitCode = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(45) });
// System.CommandLine reports a parse error (unknown flag, missing argument) with 1; ours means bad usage.
return parse.Errors.Count > 0 ? CliErrors.BadInput : exitCode;
