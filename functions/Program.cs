using BertServerless.Functions;
using BertServerless.Shared.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddBertFunctions(builder.Configuration);
builder.Services.AddBertTelemetry(builder.Configuration, "bertsl-functions");
builder.Build().Run();
