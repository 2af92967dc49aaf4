using System.CommandLine;
using CGDmer.Streaming.Host;

// cgdmer-stream: the CG-DMER streaming service. `replay` is the embedded default (files in, NDJSON out, no network),
// `run` the service, `simulate` a ward of bedside monitors onto Kafka, `evaluate` EC57 scoring of annotated records, `check-config` validates the settings and exits. Benchmarks are in bench/ (cgdmer-bench).
// Output that is not a terminal (CI logs, pipes) gets wide tables rather than Spectre's 80-column default.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 200;
var root = new RootCommand("CG-DMER streaming service: ECG segments in; FHIR R4 Observations and alert events out.");
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(CheckConfigCommand.Create());
return await root.Parse(args).InvokeAsync();
