using BenchmarkDotNet.Running;

// BenchmarkDotNet runs each benchmark in a child process it builds itself, without this project's runtime settings.
// Fhir.Metrics (unit conversion in the validate stage) needs non-predefined cultures, as the service allows them.
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_GLOBALIZATION_PREDEFINED_CULTURES_ONLY", "false");

// One benchmark class per pipeline stage; pick with --filter (e.g. '*Measure*'), list with --list flat.
BenchmarkSwitcher.FromAssembly(typeof(CGDmer.Bench.Stages.RepositoryFiles).Assembly).Run(args);
