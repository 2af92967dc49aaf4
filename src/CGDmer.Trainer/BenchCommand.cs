using CGDmer.Contracts.Model;
using System.CommandLine;
using System.Diagnostics;
using CGDmer.Model;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Orchestration;
using CGDmer.Model.Text;
using CGDmer.Trainer.Training;
using CGDmer.Signal;
using Spectre.Console;
using TorchSharp;

namespace CGDmer.Trainer;

/// <summary>
/// Prints measured throughput: ONNX Runtime inference of an exported model at batch 1 and 32 (windows/s) and
/// pretraining throughput (windows/s), each with the process's peak resident memory afterwards. ONNX Runtime runs
/// first so its peak is not inflated by libtorch.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "Exported model (.onnx).", DefaultValueFactory = _ => new FileInfo("models/cgdmer-small.onnx") };
        var seconds = new Option<double>("--seconds") { Description = "Measurement time per case.", DefaultValueFactory = _ => 10 };
        var trainSteps = new Option<int>("--train-steps") { Description = "Pretraining steps to time (after 2 warm-up steps).", DefaultValueFactory = _ => 20 };
        var cmd = new Command("bench", "Training and inference throughput with peak memory.") { model, seconds, trainSteps };
        cmd.SetAction(pr =>
        {
            var table = new Table().AddColumns("case", "windows/s", "latency per batch (ms)", "peak RSS after (MiB)");
            var path = pr.GetValue(model)!.FullName;
            using (var runner = new OnnxFindingsRunner(path))
            {
                var meta = runner.Metadata;
                var rng = new Random(1);
                foreach (int batch in new[] { 1, 32 })
                {
                    var ecg = new float[batch * Leads.Count * meta.WindowSamples];
                    for (int i = 0; i < ecg.Length; i++) ecg[i] = (float)(rng.NextDouble() - 0.5);
                    var mask = Enumerable.Repeat(1f, batch * Leads.Count).ToArray();
                    for (int w = 0; w < 3; w++) runner.Run(ecg, mask, batch);
                    var sw = Stopwatch.StartNew();
                    int runs = 0;
                    while (sw.Elapsed.TotalSeconds < pr.GetValue(seconds)) { runner.Run(ecg, mask, batch); runs++; }
                    double s = sw.Elapsed.TotalSeconds;
                    table.AddRow($"ONNX Runtime CPU, batch {batch}, 12 leads", (runs * batch / s).ToString("F1"), (1000 * s / runs).ToString("F2"), PeakMiB());
                }
            }
            torch.set_num_threads(Environment.ProcessorCount);
            var cfg = CgDmerConfig.Small;
            var set = new WindowSet(cfg.WindowSamples, EcgLabels.All);
            int steps = pr.GetValue(trainSteps), batchSize = 64;
            foreach (var (layout, twoLead) in new[] { ("12-lead", 0.0), ("2-lead", 1.0) })
            {
                set = new WindowSet(cfg.WindowSamples, EcgLabels.All);
                SyntheticWindows.Add(set, cfg.SampleRateHz, new SyntheticWindows.Options { Count = batchSize * 4, TwoLeadShare = twoLead, RandomSubsetShare = 0 });
                var tok = ReportTokenizer.Build(set.Reports);
                var warm = new Pretrainer(new PretrainOptions { Epochs = 1, BatchSize = batchSize, MaxSteps = 2 });
                warm.Run(cfg, tok, set, set.AllIndices(), "bench");
                var timed = new Pretrainer(new PretrainOptions { Epochs = 1000, BatchSize = batchSize, MaxSteps = steps });
                var sw = Stopwatch.StartNew();
                timed.Run(cfg, tok, set, set.AllIndices(), "bench");
                double s = sw.Elapsed.TotalSeconds;
                table.AddRow($"pretraining (small, full objective), batch {batchSize}, {layout}", (steps * batchSize / s).ToString("F1"), (1000 * s / steps).ToString("F0"), PeakMiB());
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"[grey]{Environment.ProcessorCount} cores; model {path}[/]");
            return 0;
        });
        return cmd;
    }

    /// <summary>VmHWM from /proc: the true peak resident set, including native allocations (libtorch, ONNX Runtime).</summary>
    private static string PeakMiB()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:")) return (long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0).ToString("F0");
        }
        catch (IOException) { }
        return (Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0).ToString("F0");
    }
}
