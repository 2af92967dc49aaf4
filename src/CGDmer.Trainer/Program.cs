using System.Diagnostics;
using CGDmer.Model;
using CGDmer.Model.Data;
using CGDmer.Model.Text;
using CGDmer.Model.Training;
using CGDmer.Signal;
using TorchSharp;

torch.set_num_threads(2);
var cfg = args.Length > 0 && args[0] == "tiny" ? CgDmerConfig.Tiny : CgDmerConfig.Small;
var set = new WindowSet(cfg.WindowSamples, EcgLabels.All);
var rng = new Random(1);
var reports = new[] { "sinus rhythm, normal ecg", "atrial fibrillation with rapid ventricular response", "sinus bradycardia with occasional PVCs" };
for (int i = 0; i < 256; i++)
{
    var leads = new float[]?[12];
    for (int l = 0; l < 12; l++) { var a = new float[cfg.WindowSamples]; for (int k = 0; k < a.Length; k++) a[k] = (float)(Math.Sin(k * 0.1 * (1 + l * 0.1) + i) + rng.NextDouble() * 0.1); leads[l] = (i % 3 == 0 && l > 1) ? null : a; }
    set.Add(leads, new[] { EcgLabels.SinusRhythm }, reports[i % 3], $"p{i % 10}", "test");
}
var tok = ReportTokenizer.Build(set.Reports);
var sw = Stopwatch.StartNew();
var pt = new Pretrainer(new PretrainOptions { Epochs = 2, BatchSize = 64, Objective = "full" });
pt.Run(cfg, tok, set, set.AllIndices(), "smoke", p => Console.WriteLine($"{p.Step}/{p.TotalSteps} loss {p.Loss} {p.WindowsPerSecond:F1} w/s"));
Console.WriteLine(sw.Elapsed);
