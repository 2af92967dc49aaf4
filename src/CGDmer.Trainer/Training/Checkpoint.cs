using CGDmer.Model;
using System.Text.Json;
using CGDmer.Model.Text;
using TorchSharp;

namespace CGDmer.Trainer.Training;

/// <summary>Per-step record of the loss terms, kept in checkpoints so curves survive a resume.</summary>
public sealed record StepRecord(int Step, int Epoch, double Lr, double Total, double Masked, double Contrastive, double Disentangle);

/// <summary>Training state besides the weights: enough to resume exactly where a run stopped.</summary>
public sealed record TrainingState
{
    public required CgDmerConfig Config { get; init; }
    public required string Objective { get; init; }
    public int Seed { get; init; }
    public int Step { get; init; }
    public int Epoch { get; init; }
    public int TotalSteps { get; init; }
    public List<StepRecord> History { get; init; } = new();
    public string DataSummary { get; init; } = "";
    /// <summary>
    /// Parameters that hold a gradient tensor when the checkpoint is written. A step that does not reach a parameter
    /// leaves its gradient zero, not absent, so AdamW still decays it and moves it by its momentum; a resumed run must
    /// hold the same zero gradients to take the same steps. Null in checkpoints written before it was kept.
    /// </summary>
    public List<string>? ParametersWithGradient { get; init; }
}

/// <summary>
/// A checkpoint is a folder: model.bin (TorchSharp weights), optimizer.bin, tokenizer.json, state.json.
/// Writes go to a temporary folder that is renamed into place, so an interrupted save never leaves a half checkpoint.
/// </summary>
public static class Checkpoint
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Save(string dir, CgDmerModel model, ReportTokenizer tokenizer, TrainingState state, torch.optim.Optimizer? optimizer = null)
    {
        string tmp = dir.TrimEnd('/') + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        model.save(Path.Combine(tmp, "model.bin"));
        if (optimizer is TorchSharp.Modules.OptimizerHelper helper) helper.save_state_dict(Path.Combine(tmp, "optimizer.bin"));
        tokenizer.Save(Path.Combine(tmp, "tokenizer.json"));
        var withGradient = model.named_parameters().Where(p => p.parameter.grad is not null).Select(p => p.name).ToList();
        File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(state with { ParametersWithGradient = withGradient }, Json));
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.Move(tmp, dir);
    }

    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, "state.json")) && File.Exists(Path.Combine(dir, "model.bin"));

    public static (CgDmerModel Model, ReportTokenizer Tokenizer, TrainingState State) Load(string dir)
    {
        if (!Exists(dir)) throw new FileNotFoundException($"'{dir}' is not a checkpoint folder (needs state.json and model.bin).", dir);
        var state = JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(Path.Combine(dir, "state.json")))
                    ?? throw new InvalidDataException($"'{Path.Combine(dir, "state.json")}' is empty.");
        var tokenizer = ReportTokenizer.Load(Path.Combine(dir, "tokenizer.json"));
        var model = new CgDmerModel(state.Config, tokenizer.VocabularySize);
        model.load(Path.Combine(dir, "model.bin"));
        return (model, tokenizer, state);
    }

    public static void LoadOptimizer(string dir, torch.optim.Optimizer optimizer)
    {
        string p = Path.Combine(dir, "optimizer.bin");
        if (File.Exists(p) && optimizer is TorchSharp.Modules.OptimizerHelper helper) helper.load_state_dict(p);
    }

    /// <summary>Gives the parameters that held a gradient at the checkpoint a zero one, as the uninterrupted run has.</summary>
    public static void RestoreGradients(CgDmerModel model, TrainingState state)
    {
        if (state.ParametersWithGradient is not { } names) return;
        var byName = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var name in names)
        {
            if (!byName.TryGetValue(name, out var parameter))
                throw new InvalidDataException($"The checkpoint names a parameter '{name}' that the model does not have.");
            parameter.grad = torch.zeros_like(parameter);
        }
    }
}
