using CGDmer.Bench;

// cgdmer-bench: the whole pipeline on replayed patients (the root command), or a ward through a Kafka broker (`kafka`).
// Output that is not a terminal (CI logs, pipes) gets wide tables rather than Spectre's 80-column default.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 200;
var root = BenchCommand.Create();
root.Subcommands.Add(KafkaBenchCommand.Create());
return await root.Parse(args).InvokeAsync();
