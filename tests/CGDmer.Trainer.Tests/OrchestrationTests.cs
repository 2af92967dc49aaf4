using CGDmer.Contracts.Model;
using System.Text.Json;
using CGDmer.Trainer.Orchestration;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = CGDmer.Contracts.Model.ModelMetadata;

namespace CGDmer.Trainer.Tests;

public class OrchestrationTests
{
    private static string WriteConfig(string dir, string body)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "config.json");
        File.WriteAllText(path, body);
        return path;
    }

    /// <param name="ownLayer">The probe's own-layer options: AF's head on a layer of its own, trained with the other heads
    /// beside a shared hidden layer, or afterwards on the probed model held fixed beside linear heads.</param>
    [Theory]
    [InlineData("\"headHidden\": 8, \"ownLayerLabels\": [\"atrial_fibrillation\"]", 8, 8)]
    [InlineData("\"ownLayerLabels\": [\"atrial_fibrillation\"], \"ownLayerWidth\": 6, \"ownLayerTraining\": \"onFrozenModel\", \"ownLayerEpochs\": 3", 0, 6)]
    public void End_to_end_pretrain_probe_evaluate_export_on_real_and_synthetic_windows(string ownLayer, int headHidden, int ownWidth)
    {
        string dir = Path.Combine(Path.GetTempPath(), "cgdmer-e2e-" + Guid.NewGuid().ToString("N"));
        try
        {
            var mitbih = Path.Combine(TestData.RepoRoot, "data", "mitbih").Replace("\\", "/");
            var cinc = Path.Combine(TestData.RepoRoot, "data", "cinc2017").Replace("\\", "/");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "cinc-test.txt"), "# test\nA00225\n");
            File.WriteAllText(Path.Combine(dir, "cinc-validation.txt"), "A08050\n");
            var cfgPath = WriteConfig(dir, $$"""
            {
              "name": "e2e", "version": "0.0.1",
              "model": { "dim": 16, "depth": 1, "heads": 2, "decoderDim": 8, "textDim": 16, "textDepth": 1, "textHeads": 2, "projectionDim": 8 },
              "rhythmFeatures": true,
              "data": {
                "synthetic": { "count": 60, "baseSeed": 7, "validationShare": 0.2, "testShare": 0.2 },
                "mitBih": { "dir": "{{mitbih}}", "records": ["201", "203"], "testRecords": ["201"], "maxSecondsPerRecord": 600 },
                "cinc2017": { "dir": "{{cinc}}", "testList": "cinc-test.txt", "validationList": "cinc-validation.txt" }
              },
              "pretrain": { "epochs": 1, "batchSize": 16 },
              "probe": { "linearIterations": 50, "sourceRepeats": { "mitbih": 2 }, {{ownLayer}} },
              "labels": ["sinus_rhythm", "atrial_fibrillation", "lvh"]
            }
            """);
            var cfg = TrainerConfig.Load(cfgPath);
            var run = new RunFolder(Path.Combine(dir, "run"));
            var stages = new RunStages(cfg, run, _ => { });
            var trainPatients = stages.Data.Train.Select(i => stages.Data.Set.Patients[i]).ToHashSet();
            Assert.DoesNotContain(stages.Data.Test, i => trainPatients.Contains(stages.Data.Set.Patients[i]));
            var state = stages.Pretrain();
            Assert.True(state.Step > 0);
            var info = stages.Probe();
            Assert.Contains("atrial_fibrillation", info.Labels);
            var metrics = stages.Evaluate(bootstrap: 50);
            Assert.Contains(metrics, m => m.Label == "atrial_fibrillation" && m.Source == "mitbih" && !double.IsNaN(m.Auroc));
            Assert.Contains(stages.Data.Test, i => stages.Data.Set.Patients[i] == "cinc-A00225");
            Assert.True(File.Exists(Path.Combine(run.Evaluation, "roc.png")));
            // Every scored window's probabilities, for offline study: a header and a row per test window.
            Assert.Equal(stages.Data.Test.Length + 1, File.ReadLines(run.Predictions).Count());
            Assert.True(File.Exists(Path.Combine(run.Evaluation, "pretrain-loss.png")));
            var onnx = stages.Export();
            using var session = new InferenceSession(onnx);
            // The probed heads' hidden layer (if any) is reloaded for export and is in the graph.
            var reloaded = stages.LoadFindings().Model;
            Assert.Equal(headHidden, reloaded.HeadHiddenWidth);
            // So is the AF head's own layer, at AF's head.
            Assert.Equal([info.Labels.IndexOf("atrial_fibrillation")], reloaded.OwnLayerHeads);
            Assert.Equal(ownWidth, reloaded.OwnHiddenWidth);
            var meta = ModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap, onnx);
            Assert.Equal(info.Labels, meta.Labels.Select(l => l.Key));
            Assert.Equal(100, meta.SampleRateHz);
            Assert.Equal(Signal.Beats.RhythmFeatures.Identifier, meta.RhythmFeatures);
            Assert.Contains(ModelMetadata.RhythmFeaturesInput, session.InputMetadata.Keys);
            using var doc = JsonDocument.Parse(meta.Metrics);
            // Every label's validated flag in the metadata is the evaluation's verdict.
            var verdict = doc.RootElement.GetProperty("validated");
            Assert.All(meta.Labels, l => Assert.Equal(verdict.GetProperty(l.Key).GetBoolean(), l.Validated));
            Assert.True(doc.RootElement.TryGetProperty("labels", out _));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void An_ensemble_trains_its_members_then_chooses_thresholds_evaluates_and_exports_for_their_mean()
    {
        string dir = Path.Combine(Path.GetTempPath(), "cgdmer-ensemble-" + Guid.NewGuid().ToString("N"));
        try
        {
            var mitbih = Path.Combine(TestData.RepoRoot, "data", "mitbih").Replace("\\", "/");
            string Config(int epochs) => $$"""
            {
              "name": "ensemble", "version": "0.0.2", "ensembleSeeds": [3, 5],
              "model": { "dim": 16, "depth": 1, "heads": 2, "decoderDim": 8, "textDim": 16, "textDepth": 1, "textHeads": 2, "projectionDim": 8 },
              "rhythmFeatures": true,
              "data": {
                "synthetic": { "count": 60, "baseSeed": 7, "validationShare": 0.2, "testShare": 0.2 },
                "mitBih": { "dir": "{{mitbih}}", "records": ["201", "203"], "validationRecords": ["203"], "testRecords": ["201"], "maxSecondsPerRecord": 300 }
              },
              "pretrain": { "epochs": {{epochs}}, "batchSize": 16 },
              "probe": { "linearIterations": 50, "headHidden": 8 },
              "labels": ["sinus_rhythm", "atrial_fibrillation", "lvh"]
            }
            """;
            var cfg = TrainerConfig.Load(WriteConfig(dir, Config(1)));
            var run = new RunFolder(Path.Combine(dir, "run"));
            var stages = new RunStages(cfg, run, _ => { });
            Assert.True(stages.IsEnsemble);
            Assert.Equal([Path.Combine(run.Root, "seed-3"), Path.Combine(run.Root, "seed-5")], stages.Members.Select(m => m.Folder.Root));
            var untrained = Assert.Throws<InvalidOperationException>(() => stages.Probe());
            Assert.Contains("seed-3' is not trained yet", untrained.Message);
            Assert.Throws<InvalidOperationException>(() => stages.Pretrain());

            foreach (var member in stages.Members)
            {
                member.Pretrain();
                member.Probe();
                member.Export();
            }
            // Each member is the recipe with its own seed.
            Assert.Equal([3, 5], stages.Members.Select(m => TrainerConfig.Load(m.Folder.Config).Pretrain.Seed));
            var info = stages.Probe();
            stages.Evaluate(bootstrap: 20);
            var onnx = stages.Export();

            // The exported ensemble predicts the members' mean on every window, and ships the thresholds chosen for it.
            var set = stages.Data.Set;
            var windows = stages.Data.Validation.Concat(stages.Data.Test).ToArray();
            using var ensemble = new OnnxFindingsRunner(onnx);
            var probabilities = ensemble.Predict(set, windows);
            var members = stages.Members.Select(m => { using var r = new OnnxFindingsRunner(m.Folder.Onnx); return r.Predict(set, windows); }).ToList();
            double worst = 0, spread = 0;
            for (int i = 0; i < probabilities.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(probabilities[i] - (members[0][i] + members[1][i]) / 2));
                spread = Math.Max(spread, Math.Abs(members[0][i] - members[1][i]));
            }
            Assert.True(worst < 1e-4, $"the ensemble differs from its members' mean by {worst}");
            Assert.True(spread > 1e-3, "the members are the same model");
            Assert.Equal(info.Thresholds, ensemble.Metadata.Labels.Select(l => l.Threshold));
            // They were chosen on the mean, not on a member's probabilities.
            Assert.All(stages.Members, m => Assert.NotEqual(
                JsonSerializer.Deserialize<ProbeInfo>(File.ReadAllText(m.Folder.ProbeInfo), TrainerConfig.Json)!.Thresholds, info.Thresholds));
            // The evaluation scored the mean too: its predictions file holds the exported ensemble's probabilities.
            var test = stages.Data.Test;
            var scored = File.ReadLines(run.Predictions).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(test.Length, scored.Count);
            int af = info.Labels.IndexOf("atrial_fibrillation");
            for (int k = 0; k < test.Length; k++)
            {
                Assert.Equal(test[k], int.Parse(scored[k][0], System.Globalization.CultureInfo.InvariantCulture));
                double written = double.Parse(scored[k][6 + 2 * af], System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(written - probabilities[(stages.Data.Validation.Length + k) * info.Labels.Count + af]) < 1e-4,
                    $"window {test[k]}: scored {written}, exported ensemble {probabilities[(stages.Data.Validation.Length + k) * info.Labels.Count + af]}");
            }
            using var metrics = JsonDocument.Parse(File.ReadAllText(run.Metrics));
            var verdict = metrics.RootElement.GetProperty("validated");
            Assert.All(ensemble.Metadata.Labels, l => Assert.Equal(verdict.GetProperty(l.Key).GetBoolean(), l.Validated));
            Assert.Equal("ensemble", ensemble.Metadata.ModelName);

            // A member folder holding another recipe's run is refused, not averaged.
            var other = new RunStages(TrainerConfig.Load(WriteConfig(Path.Combine(dir, "other"), Config(2))), run, _ => { });
            var stray = Assert.Throws<InvalidOperationException>(() => other.Probe());
            Assert.Contains("another recipe than the ensemble's member with seed 3", stray.Message);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("""{ "labels": ["not_a_label"] }""", "not_a_label")]
    [InlineData("""{ "pretrain": { "objective": "weird" } }""", "weird")]
    [InlineData("""{ "model": { "windowSamples": 999 } }""", "PatchSize")]
    [InlineData("""{ "data": { "mitBih": { "dir": "does/not/exist" } } }""", "does/not/exist")]
    [InlineData("""{ "unknownField": 1 }""", "unknownField")]
    [InlineData("""{ "probe": { "headHidden": -1 } }""", "probe.headHidden")]
    [InlineData("""{ "probe": { "sourceRepeats": { "holter": 2 } } }""", "probe.sourceRepeats names 'holter'")]
    [InlineData("""{ "probe": { "sourceRepeats": { "mitbih": 0 } } }""", "probe.sourceRepeats.mitbih must be 1 to 20")]
    [InlineData("""{ "probe": { "headHidden": 8, "ownLayerLabels": ["lvh"] } }""", "probe.ownLayerLabels names 'lvh', which is not among the labels")]
    [InlineData("""{ "probe": { "ownLayerLabels": ["rbbb"] } }""", "probe.ownLayerLabels needs probe.ownLayerWidth or probe.headHidden")]
    [InlineData("""{ "probe": { "ownLayerWidth": -2 } }""", "probe.ownLayerWidth must be 0 (probe.headHidden's) or a positive width, not -2")]
    [InlineData("""{ "probe": { "ownLayerTraining": "later" } }""", "probe.ownLayerTraining 'later' is not withEncoder or onFrozenModel")]
    [InlineData("""{ "probe": { "ownLayerEpochs": 0 } }""", "probe.ownLayerEpochs must be at least 1, not 0")]
    [InlineData("""{ "probe": { "ownLayerTraining": "onFrozenModel" } }""", "probe.ownLayerTraining 'onFrozenModel' trains the heads of probe.ownLayerLabels, and it names none")]
    [InlineData("""{ "thresholdPopulation": "ward" }""", "thresholdPopulation 'ward' is not one of real, bedside")]
    [InlineData("""{ "probe": { "encoderLearningRateScale": 0 } }""", "probe.encoderLearningRateScale must be above 0 and at most 1, not 0")]
    [InlineData("""{ "probe": { "encoderLearningRateScale": 1.5 } }""", "probe.encoderLearningRateScale must be above 0 and at most 1, not 1.5")]
    [InlineData("""{ "probe": { "epochs": 6, "averageLastEpochs": 7 } }""", "probe.averageLastEpochs must be between 0 and probe.epochs (6), not 7")]
    [InlineData("""{ "probe": { "averageLastEpochs": -1 } }""", "probe.averageLastEpochs must be between 0 and probe.epochs")]
    [InlineData("""{ "probe": { "bedsideContext": true } }""", "probe.bedsideContext enters through the rhythm layer; it needs rhythmFeatures")]
    [InlineData("""{ "pretrain": { "reportRepeats": 0 } }""", "pretrain.reportRepeats must be between 1 and 20, not 0")]
    [InlineData("""{ "probe": { "mode": "linear", "poolHandheldRecordings": true } }""", "probe.poolHandheldRecordings pools the windows' logits while the encoder trains; it needs probe.mode finetune, not linear")]
    [InlineData("""{ "data": { "singleLeadCopies": ["II", "X9"] } }""", "data.singleLeadCopies names 'X9', which is not an ECG lead")]
    [InlineData("""{ "data": { "singleLeadCopies": ["all", "II"] } }""", "data.singleLeadCopies names 'all'")]
    [InlineData("""{ "ensembleSeeds": [1] }""", "ensembleSeeds must name two or more distinct seeds, not [1]")]
    [InlineData("""{ "ensembleSeeds": [2, 2] }""", "ensembleSeeds must name two or more distinct seeds, not [2, 2]")]
    [InlineData("""{ "labels": [ """, "not valid")]
    public void Bad_config_gets_a_message_that_names_the_problem(string body, string expected)
    {
        string dir = Path.Combine(Path.GetTempPath(), "cgdmer-cfg-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = WriteConfig(dir, body);
            var ex = Assert.Throws<InvalidDataException>(() => TrainerConfig.Load(path));
            Assert.Contains(expected, ex.Message);
            Assert.Contains("config.json", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}

public class PtbXlDataTests
{
    [Fact]
    public void PtbXl_layout_becomes_windows_with_the_standard_fold_split()
    {
        var root = Path.Combine(TestData.RepoRoot, "tests", "CGDmer.Signal.Tests", "Fixtures", "ptbxl");
        var cfg = new TrainerConfig
        {
            Data = new DataConfig { Synthetic = new SyntheticData { Count = 0 }, PtbXl = new PtbXlData { Root = root } },
        };
        var data = TrainingData.Build(cfg);
        Assert.True(data.Set.Count >= 3);
        Assert.All(Enumerable.Range(0, data.Set.Count), i =>
        {
            Assert.StartsWith("ptbxl-", data.Set.Patients[i]);
            Assert.Equal(12, data.Set.LeadMask(i).ToArray().Count(m => m > 0));
        });
        // Folds: 1-8 train, 9 validation, 10 test; patients never straddle splits.
        var train = data.Train.Select(i => data.Set.Patients[i]).ToHashSet();
        Assert.DoesNotContain(data.Test, i => train.Contains(data.Set.Patients[i]));
        Assert.NotEmpty(data.Train);
        Assert.NotEmpty(data.Validation.Concat(data.Test));
        // Record 1 is NORM/SR → sinus rhythm.
        int sinus = data.Set.Labels.ToList().IndexOf(CGDmer.Signal.EcgLabels.SinusRhythm);
        Assert.Contains(Enumerable.Range(0, data.Set.Count), i => data.Set.HasLabel(i, sinus));
    }
}
