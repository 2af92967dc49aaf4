using CGDmer.Contracts.Model;
using System.CommandLine;
using CGDmer.Trainer;

// cgdmer-train: pretrain → probe → evaluate → export, each a verb; `all` runs them in order.
var root = new RootCommand("CG-DMER trainer: contrastive-generative ECG representation learning, evaluation and ONNX export.");
foreach (var command in TrainerCommands.All()) root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
