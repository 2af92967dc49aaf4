using BenchmarkDotNet.Running;

// One benchmark class per pipeline stage; pick with --filter (e.g. '*Measure*'), list with --list flat.
BenchmarkSwitcher.FromAssembly(typeof(CGDmer.Bench.Stages.RepositoryFiles).Assembly).Run(args);
