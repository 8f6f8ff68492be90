using BertServerless.Shared.Telemetry;
using BertServerless.Worker.Hosting;
using Microsoft.Extensions.Hosting;

// appsettings.json sits beside the binary, whatever directory the container or a shell starts it from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddTrainingWorker(builder.Configuration);
builder.Services.AddBertTelemetry(builder.Configuration, "bertsl-worker");
await builder.Build().RunAsync();
