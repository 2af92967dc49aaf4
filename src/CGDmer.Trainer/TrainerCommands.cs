using CGDmer.Contracts.Model;
using System.CommandLine;
using CGDmer.Trainer.Orchestration;
using CGDmer.Trainer.Training;
using Spectre.Console;
using TorchSharp;

namespace CGDmer.Trainer;

internal static class TrainerCommands
{
    private static readonly Option<FileInfo> ConfigOption = new("--config", "-c")
    {
        Description = "Training config (JSON). See configs/.", Required = true,
    };
    private static readonly Option<DirectoryInfo> RunOption = new("--run", "-r")
    {
        Description = "Run folder: checkpoints, plots, metrics and the exported model go here.", Required = true,
    };
    private static readonly Option<string?> ObjectiveOption = new("--objective")
    {
        Description = "Override pretrain.objective: full, masked-only or contrastive-only (the ablations).",
    };
    private static readonly Option<int?> EpochsOption = new("--epochs") { Description = "Override pretrain.epochs." };
    private static readonly Option<int?> SeedOption = new("--seed") { Description = "Override pretrain.seed." };
    private static readonly Option<bool> ResumeOption = new("--resume") { Description = "Continue from the run's last checkpoint." };
    private static readonly Option<string?> ModeOption = new("--mode") { Description = "Override probe.mode: linear or finetune." };
    private static readonly Option<int> ThreadsOption = new("--threads") { Description = "libtorch intra-op threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
    private static readonly Option<bool> ValidationSplitOption = new("--validation")
    {
        Description = "Score the validation split (evaluation/validation-metrics.json) to compare recipes without touching the test split.",
    };
    private static readonly Option<FileInfo?> OutOption = new("--out", "-o") { Description = "Where to write the ONNX model (default: RUN/model.onnx)." };

    public static IEnumerable<Command> All()
    {
        yield return Verb("pretrain", "Self-supervised CG-DMER pretraining (masked modelling + disentangled report alignment); an ensemble's members each.", [ResumeOption],
            (stages, pr) => { foreach (var s in Networks(stages)) Pretrain(s, pr.GetValue(ResumeOption)); });
        yield return Verb("probe", "Train classification heads (linear probe or fine-tuning) on labelled windows; an ensemble's members each, then the ensemble's thresholds.", [],
            (stages, _) => { foreach (var s in stages.Members) Probe(s); Probe(stages); });
        yield return Verb("evaluate", "Per-label and macro AUROC with patient-bootstrap 95% CIs on the patient-disjoint test split.", [ValidationSplitOption],
            (stages, pr) => Evaluate(stages, pr.GetValue(ValidationSplitOption)));
        yield return Verb("thresholds", "Choose the probed model's decision thresholds on the validation split again.", [],
            (stages, _) => stages.Rethreshold());
        yield return Verb("export", "Write the inference graph (encoder + heads + zero-shot head) as ONNX.", [OutOption],
            (stages, pr) => AnsiConsole.MarkupLineInterpolated($"[green]exported[/] {stages.Export(pr.GetValue(OutOption)?.FullName)}"));
        yield return Verb("all", "pretrain → probe → evaluate → export in one go (an ensemble: each member not yet trained, then the ensemble).", [ResumeOption, OutOption], (stages, pr) =>
        {
            foreach (var member in stages.Members)
            {
                // A member is trained once: an interrupted ensemble resumes at the first member without its heads.
                member.CheckMemberRecipe();
                if (member.IsProbed) { AnsiConsole.MarkupLineInterpolated($"[grey]member {member.Folder.Root}: trained, kept[/]"); continue; }
                Pretrain(member, pr.GetValue(ResumeOption));
                Probe(member);
            }
            if (!stages.IsEnsemble) Pretrain(stages, pr.GetValue(ResumeOption));
            Probe(stages);
            Evaluate(stages);
            AnsiConsole.MarkupLineInterpolated($"[green]exported[/] {stages.Export(pr.GetValue(OutOption)?.FullName)}");
        });
        yield return BenchCommand.Create();
        yield return EvaluateOnnxCommand.Create();
    }

    private static Command Verb(string name, string description, Option[] extra, Action<RunStages, ParseResult> body)
    {
        var cmd = new Command(name, description) { ConfigOption, RunOption, ObjectiveOption, EpochsOption, SeedOption, ModeOption, ThreadsOption };
        foreach (var o in extra) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            try
            {
                torch.set_num_threads(pr.GetValue(ThreadsOption));
                var cfg = TrainerConfig.Load(pr.GetValue(ConfigOption)!.FullName);
                if (pr.GetValue(ObjectiveOption) is { } obj) cfg = cfg with { Pretrain = cfg.Pretrain with { Objective = obj } };
                if (pr.GetValue(EpochsOption) is { } ep) cfg = cfg with { Pretrain = cfg.Pretrain with { Epochs = ep } };
                if (pr.GetValue(SeedOption) is { } seed)
                {
                    if (cfg.IsEnsemble) throw new ArgumentException($"--seed: the config is an ensemble, whose members' seeds are its ensembleSeeds ({string.Join(", ", cfg.EnsembleSeeds!)}).");
                    cfg = cfg with { Pretrain = cfg.Pretrain with { Seed = seed } };
                }
                if (pr.GetValue(ModeOption) is { } mode) cfg = cfg with { Probe = cfg.Probe with { Mode = mode } };
                cfg.Validate(pr.GetValue(ConfigOption)!.FullName);
                var stages = new RunStages(cfg, new RunFolder(pr.GetValue(RunOption)!.FullName), m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"));
                body(stages, pr);
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or InvalidOperationException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 2;
            }
        });
        return cmd;
    }

    /// <summary>The runs that train a network: an ensemble's members, or the run itself.</summary>
    private static IReadOnlyList<RunStages> Networks(RunStages stages) => stages.IsEnsemble ? stages.Members : [stages];

    private static void Pretrain(RunStages stages, bool resume)
    {
        _ = stages.Data; // build data before the progress bar starts, with its own log lines
        TrainingState? state = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("pretrain");
                state = stages.Pretrain(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.Step;
                    task.Description = $"pretrain e{p.Epoch} loss {p.Loss.Total:F3} (msm {p.Loss.Masked:F3} nce {p.Loss.Contrastive:F3} dis {p.Loss.Disentangle:F3}) {p.WindowsPerSecond:F0} win/s";
                }, resume);
            });
        var h = state!.History;
        if (h.Count > 0)
        {
            int k = Math.Max(1, h.Count / 10);
            var first = h.Take(k).ToList();
            var last = h.TakeLast(k).ToList();
            var t = new Table().AddColumns("term", "first 10% of steps", "last 10% of steps");
            t.AddRow("total", first.Average(x => x.Total).ToString("F4"), last.Average(x => x.Total).ToString("F4"));
            t.AddRow("masked", first.Average(x => x.Masked).ToString("F4"), last.Average(x => x.Masked).ToString("F4"));
            t.AddRow("contrastive", first.Average(x => x.Contrastive).ToString("F4"), last.Average(x => x.Contrastive).ToString("F4"));
            t.AddRow("disentangle", first.Average(x => x.Disentangle).ToString("F4"), last.Average(x => x.Disentangle).ToString("F4"));
            AnsiConsole.Write(t);
        }
    }

    private static void Probe(RunStages stages)
    {
        _ = stages.Data;
        ProbeInfo? info = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("probe");
                info = stages.Probe(p => { task.MaxValue = p.TotalSteps; task.Value = p.Step; task.Description = $"probe loss {p.Loss:F4}"; });
            });
        var t = new Table().AddColumns("label", "threshold (validation, Youden J)");
        for (int i = 0; i < info!.Labels.Count; i++) t.AddRow(info.Labels[i], info.Thresholds[i].ToString("F3"));
        AnsiConsole.Write(t);
    }

    private static void Evaluate(RunStages stages, bool onValidation = false)
    {
        var metrics = stages.Evaluate(onValidation: onValidation);
        var t = new Table().AddColumns("source", "label", "AUROC", "95% CI (patient bootstrap)", "pos", "neg", "patients");
        foreach (var m in metrics)
            t.AddRow(m.Source, m.Label, double.IsNaN(m.Auroc) ? "n/a" : m.Auroc.ToString("F3"),
                double.IsNaN(m.Lower) ? "n/a" : $"{m.Lower:F3}–{m.Upper:F3}", m.Positives.ToString(), m.Negatives.ToString(), m.Patients.ToString());
        AnsiConsole.Write(t);
        foreach (var s in metrics.Select(m => m.Source).Distinct())
            AnsiConsole.MarkupLineInterpolated($"macro AUROC [bold]{s}[/]: {RunStages.MacroAuroc(metrics, s):F3}");
    }
}
