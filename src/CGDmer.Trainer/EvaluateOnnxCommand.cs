using CGDmer.Contracts.Model;
using System.CommandLine;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Evaluation;
using CGDmer.Trainer.Orchestration;
using CGDmer.Signal;
using Spectre.Console;

namespace CGDmer.Trainer;

/// <summary>
/// Evaluates an exported ONNX model on annotated WFDB records it has never seen (e.g. MIT-BIH DS2), through ONNX Runtime
/// and the same preprocessing the service uses, with labels derived from the reference annotations.
/// </summary>
internal static class EvaluateOnnxCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "Exported model (.onnx).", Required = true };
        var records = new Option<DirectoryInfo>("--records") { Description = "Folder of WFDB records with .atr reference annotations.", Required = true };
        var names = new Option<string[]>("--record") { Description = "Record names to use (default: every record with an .atr file).", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("evaluate-onnx", "AUROC of an exported model on annotated WFDB records (patient-bootstrap CIs).") { model, records, names };
        cmd.SetAction(pr =>
        {
            try
            {
                using var runner = new OnnxFindingsRunner(pr.GetValue(model)!.FullName);
                var meta = runner.Metadata;
                var dir = pr.GetValue(records)!.FullName;
                if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Records folder '{dir}' does not exist.");
                var list = pr.GetValue(names) is { Length: > 0 } n ? n : Directory.GetFiles(dir, "*.atr").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
                var set = new WindowSet(meta.WindowSamples, EcgLabels.All, 1024, runner.RhythmFeatureCount, meta.HasRhythmInput ? meta.RhythmFeatures : null);
                foreach (var r in list)
                {
                    int added = MitBihWindows.AddRecord(set, Path.Combine(dir, r!), meta.SampleRateHz, 10, TrainingData.StableSeed(r!));
                    AnsiConsole.MarkupLineInterpolated($"[grey]{r}: {added} windows[/]");
                }
                var probs = runner.Predict(set, set.AllIndices());
                var t = new Table().AddColumns("label", "AUROC", "95% CI (patient bootstrap)", "pos", "neg", "records");
                var estimates = Score(set, probs, meta.Labels.Select(l => l.Key).ToArray());
                for (int c = 0; c < meta.Labels.Count; c++)
                {
                    var est = estimates[c];
                    t.AddRow(meta.Labels[c].Key, double.IsNaN(est.Auroc) ? "n/a" : est.Auroc.ToString("F3"),
                        double.IsNaN(est.Lower) ? "n/a" : $"{est.Lower:F3}–{est.Upper:F3}", est.Positives.ToString(), est.Negatives.ToString(), est.Patients.ToString());
                }
                AnsiConsole.Write(t);
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or Signal.Wfdb.WfdbFormatException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 2;
            }
        });
        return cmd;
    }

    /// <summary>
    /// Each model label's AUROC over the windows of <paramref name="set"/> whose reference annotates it (a rhythm-only
    /// <c>.atr</c> decides no beat label), from <paramref name="probabilities"/> (window-major, the model's label order).
    /// </summary>
    internal static AurocEstimate[] Score(WindowSet set, float[] probabilities, IReadOnlyList<string> modelLabels)
    {
        var all = set.Labels.ToList();
        var estimates = new AurocEstimate[modelLabels.Count];
        for (int c = 0; c < modelLabels.Count; c++)
        {
            int col = all.FindIndex(l => l.Key == modelLabels[c]);
            var scored = Enumerable.Range(0, set.Count).Where(k => set.IsKnown(k, col)).ToArray();
            estimates[c] = PatientBootstrap.Estimate(
                scored.Select(k => probabilities[k * modelLabels.Count + c]).ToArray(),
                scored.Select(k => set.HasLabel(k, col)).ToArray(),
                scored.Select(k => set.Patients[k]).ToArray());
        }
        return estimates;
    }
}
