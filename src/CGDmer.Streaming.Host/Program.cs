using System.CommandLine;
using CGDmer.Streaming.Host;

// cgdmer-stream: the CG-DMER streaming service. `replay` is the embedded default (files in, NDJSON out, no network),
// `run` the service, `bench` the throughput/latency benchmark.
var root = new RootCommand("CG-DMER streaming service: ECG segments in; FHIR R4 Observations and alert events out.");
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return await root.Parse(args).InvokeAsync();
