using CGDmer.Model;
using CGDmer.Contracts.Model;
using System.Diagnostics;
using System.Text.Json;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Evaluation;
using CGDmer.Model.Export;
using CGDmer.Model.Text;
using CGDmer.Trainer.Training;
using CGDmer.Signal;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Synthesis;
using TorchSharp;
using static TorchSharp.torch;

namespace CGDmer.Trainer.Orchestration;

/// <summary>Where a run keeps its artefacts: one folder per run, one sub-folder per stage.</summary>
public sealed record RunFolder(string Root)
{
    public string Config => Path.Combine(Root, "config.json");
    public string Pretrain => Path.Combine(Root, "pretrain");
    public string Probe => Path.Combine(Root, "probe");
    public string FindingsWeights => Path.Combine(Probe, "findings.bin");
    public string ProbeInfo => Path.Combine(Probe, "probe.json");
    public string Evaluation => Path.Combine(Root, "evaluation");
    public string Metrics => Path.Combine(Evaluation, "metrics.json");
    public string ValidationMetrics => Path.Combine(Evaluation, "validation-metrics.json");
    /// <summary>Each scored window's probabilities and labels (<see cref="Trainer.Evaluation.WindowPredictions"/>).</summary>
    public string Predictions => Path.Combine(Evaluation, "predictions.csv");
    public string ValidationPredictions => Path.Combine(Evaluation, "validation-predictions.csv");
    public string Onnx => Path.Combine(Root, "model.onnx");
    public void Create() { Directory.CreateDirectory(Root); Directory.CreateDirectory(Evaluation); }
}

/// <summary>What the probe stage decided: the labels the heads predict (in order) and their decision thresholds.</summary>
/// <param name="Thresholds">The decision thresholds the model ships with (an alerting label's at its alert operating point).</param>
/// <param name="BalancedThresholds">Youden's J for every label on the same validation windows: the balanced decision that
/// classification scores (the CinC challenge's F1) are computed with. Null in probe files written before it existed.</param>
/// <param name="ChallengeDecision">The CinC 2017 challenge decision fitted on the validation recordings, scored on the test
/// split beside the balanced thresholds' decision; null in probe files written before it existed, or without CinC
/// validation recordings of all three classes.</param>
public sealed record ProbeInfo(List<string> Labels, List<double> Thresholds, string Mode, List<string> ZeroShotLabels,
    List<double>? BalancedThresholds = null, ChallengeDecision? ChallengeDecision = null);

/// <summary>Per-label test metrics with patient-bootstrap confidence intervals.</summary>
public sealed record LabelMetric(string Label, string Source, double Auroc, double Lower, double Upper, int Positives, int Negatives, int Patients);

/// <summary>
/// The trainer's stages. Each stage reads what the previous one left in the run folder, so they can run as separate CLI
/// invocations (pretrain today, probe tomorrow) or as one end-to-end command.
/// </summary>
/// <remarks>
/// An ensemble's run (<see cref="TrainerConfig.EnsembleSeeds"/>) trains no network of its own: its <see cref="Members"/>
/// are single-model runs in its <c>seed-N</c> folders, and its probe stage, evaluation and export read the members' mean
/// probability (<see cref="Predict"/>).
/// </remarks>
public sealed class RunStages(TrainerConfig config, RunFolder run, Action<string> log)
{
    private TrainingData? _data;
    private RunStages? _ensemble;   // a member's ensemble, whose data it shares
    private IReadOnlyList<RunStages>? _members;

    public TrainingData Data => _data ??= _ensemble?.Data ?? Build();

    public RunFolder Folder => run;

    /// <summary>Whether the run is an ensemble of <see cref="Members"/>.</summary>
    public bool IsEnsemble => config.IsEnsemble;

    /// <summary>Whether the probe stage has left its heads and thresholds in the run folder.</summary>
    public bool IsProbed => File.Exists(run.ProbeInfo) && (config.IsEnsemble || File.Exists(run.FindingsWeights));

    /// <summary>An ensemble's members, in <see cref="TrainerConfig.EnsembleSeeds"/> order, sharing this run's data; empty for one model.</summary>
    public IReadOnlyList<RunStages> Members => _members ??= config.EnsembleSeeds is { } seeds
        ? seeds.Select(s => new RunStages(config.Member(s), new RunFolder(Path.Combine(run.Root, $"seed-{s}")), m => log($"seed {s}: {m}")) { _ensemble = this })
            .ToList()
        : [];

    /// <summary>
    /// Refuses a member folder whose model was trained with another recipe than the member's (its <c>config.json</c> differs,
    /// name and version aside), so an ensemble never averages a stray run.
    /// </summary>
    public void CheckMemberRecipe()
    {
        if (_ensemble is null || !File.Exists(run.Config)) return;
        if (Canonical(TrainerConfig.Load(run.Config)) != Canonical(config))
            throw new InvalidOperationException(
                $"'{run.Root}' holds a run of another recipe than the ensemble's member with seed {config.Pretrain.Seed}; move it away or use another run folder.");
    }

    private static string Canonical(TrainerConfig c) => JsonSerializer.Serialize(c with { Name = "", Version = "" }, TrainerConfig.Json);

    private TrainingData Build()
    {
        var sw = Stopwatch.StartNew();
        var d = TrainingData.Build(config, log);
        log($"data: {d.Set.Count} windows (train {d.Train.Length}, validation {d.Validation.Length}, test {d.Test.Length}) in {sw.Elapsed.TotalSeconds:F1} s");
        return d;
    }

    public TrainingState Pretrain(Action<PretrainProgress>? progress = null, bool resume = false)
    {
        if (config.IsEnsemble) throw new InvalidOperationException("An ensemble pretrains no network of its own: its members each pretrain (RunStages.Members).");
        CheckMemberRecipe();
        run.Create();
        config.Save(run.Config);
        var tokenizer = resume && Checkpoint.Exists(run.Pretrain)
            ? ReportTokenizer.Load(Path.Combine(run.Pretrain, "tokenizer.json"))
            : ReportTokenizer.Build(Data.Train.Select(i => Data.Set.Reports[i]));
        var options = config.Pretrain with { CheckpointDir = run.Pretrain, Resume = resume };
        var (model, state) = new Pretrainer(options).Run(config.Model, tokenizer, Data.Set, Data.Train, Data.Summary(), progress);
        Plots.LossCurves(state.History, Path.Combine(run.Evaluation, "pretrain-loss.png"), $"CG-DMER pretraining ({config.Pretrain.Objective})");
        model.Dispose();
        return state;
    }

    public ProbeInfo Probe(Action<ProbeProgress>? progress = null)
    {
        if (config.IsEnsemble) return ProbeEnsemble();
        CheckMemberRecipe();
        var (pre, _, _) = Checkpoint.Load(run.Pretrain);
        var set = Data.Set;
        var labelColumns = new List<int>();
        foreach (var key in config.Labels)
        {
            int col = set.Labels.ToList().FindIndex(l => l.Key == key);
            int pos = Data.Train.Count(i => set.HasLabel(i, col) && set.IsKnown(i, col));
            if (pos < 5) { log($"probe: skipping '{key}': {pos} positive training windows"); continue; }
            labelColumns.Add(col);
        }
        if (labelColumns.Count == 0) throw new InvalidOperationException("No configured label has enough positive training windows to train a head.");
        var findings = Prober.Train(pre, set, Data.Train, labelColumns.ToArray(), config.Probe, progress);
        Directory.CreateDirectory(run.Probe);
        findings.save(run.FindingsWeights);
        var keys = labelColumns.Select(c => set.Labels[c].Key).ToList();
        var (shipped, balanced, challenge) = Thresholds([findings], keys);
        var info = new ProbeInfo(keys, shipped, config.Probe.Mode, keys, balanced, challenge);
        File.WriteAllText(run.ProbeInfo, JsonSerializer.Serialize(info, TrainerConfig.Json));
        return info;
    }

    /// <summary>
    /// The ensemble's probe stage: its members must be probed, on the same labels; the thresholds are chosen for their
    /// mean probability on the validation split, as one model's are for its own.
    /// </summary>
    private ProbeInfo ProbeEnsemble()
    {
        var (models, memberInfo) = LoadMembers();
        var (shipped, balanced, challenge) = Thresholds(models, memberInfo.Labels);
        var info = memberInfo with { Thresholds = shipped, BalancedThresholds = balanced, ChallengeDecision = challenge };
        run.Create();
        config.Save(run.Config);
        Directory.CreateDirectory(run.Probe);
        File.WriteAllText(run.ProbeInfo, JsonSerializer.Serialize(info, TrainerConfig.Json));
        return info;
    }

    /// <summary>The members' probed models (in seed order) and the first member's probe decisions.</summary>
    private (IReadOnlyList<FindingsModel> Models, ProbeInfo FirstInfo) LoadMembers()
    {
        var models = new List<FindingsModel>();
        ProbeInfo? first = null;
        foreach (var member in Members)
        {
            if (!member.IsProbed)
                throw new InvalidOperationException($"The ensemble's member '{member.Folder.Root}' is not trained yet: run `all` (or `pretrain` and `probe`) on the ensemble's config.");
            member.CheckMemberRecipe();
            var (model, info, _) = member.LoadFindings();
            if (first is not null && !info.Labels.SequenceEqual(first.Labels))
                throw new InvalidOperationException($"The ensemble's members predict different labels: '{member.Folder.Root}' [{string.Join(", ", info.Labels)}], the first [{string.Join(", ", first.Labels)}].");
            models.Add(model);
            first ??= info;
        }
        return (models, first!);
    }

    /// <summary>
    /// Probabilities [indices.Length × labels] of the run's model on <paramref name="indices"/>: one model's, or the mean
    /// of an ensemble's members' (summed in member order, then scaled by 1/n, as the exported graph computes it).
    /// </summary>
    public static float[] Predict(IReadOnlyList<FindingsModel> models, WindowSet set, int[] indices)
    {
        var mean = Prober.Predict(models[0], set, indices);
        if (models.Count == 1) return mean;
        for (int m = 1; m < models.Count; m++)
        {
            var p = Prober.Predict(models[m], set, indices);
            for (int i = 0; i < mean.Length; i++) mean[i] += p[i];
        }
        float scale = 1f / models.Count;
        for (int i = 0; i < mean.Length; i++) mean[i] *= scale;
        return mean;
    }

    /// <summary>Chooses the decision thresholds of the probed model again (after a change of the rule) and rewrites probe.json.</summary>
    public ProbeInfo Rethreshold()
    {
        if (config.IsEnsemble) return ProbeEnsemble();
        var (model, info, _) = LoadFindings();
        var (shipped, balanced, challenge) = Thresholds([model], info.Labels);
        info = info with { Thresholds = shipped, BalancedThresholds = balanced, ChallengeDecision = challenge };
        File.WriteAllText(run.ProbeInfo, JsonSerializer.Serialize(info, TrainerConfig.Json));
        return info;
    }

    /// <summary>
    /// Decision thresholds from the validation split only (the test split never chooses anything): each label's shipped
    /// and balanced ones by <see cref="FindingThresholds.Choose"/>, with its <see cref="TrainerConfig.AlertSpecificity"/>
    /// and <see cref="TrainerConfig.ThresholdPopulation"/>.
    /// The CinC challenge decision is fitted to the challenge's score on the validation recordings (<see cref="ChallengeDecision.Fit"/>).
    /// </summary>
    private (List<double> Shipped, List<double> Balanced, ChallengeDecision? Challenge) Thresholds(IReadOnlyList<FindingsModel> models, IReadOnlyList<string> keys)
    {
        var set = Data.Set;
        var idx = Data.Validation.Length > 0 ? Data.Validation : Data.Train;
        var probs = Predict(models, set, idx);
        var thresholds = new List<double>();
        var balanced = new List<double>();
        for (int c = 0; c < keys.Count; c++)
        {
            int col = set.Labels.ToList().FindIndex(l => l.Key == keys[c]);
            double? specificity = config.AlertSpecificity.TryGetValue(keys[c], out double sp) ? sp : null;
            var (shipped, balancedThreshold) = FindingThresholds.Choose(set, idx, probs, keys.Count, c, col, config.ThresholdPopulation, specificity);
            thresholds.Add(shipped);
            balanced.Add(balancedThreshold);
        }
        var challenge = Data.Validation.Length > 0 && RealPatientEvaluation.CincRecordings(set, idx, probs, keys) is var (_, recordings, _)
            ? ChallengeDecision.Fit(recordings) : null;
        return (thresholds, balanced, challenge);
    }

    private ProbeInfo ReadProbeInfo() => JsonSerializer.Deserialize<ProbeInfo>(File.ReadAllText(run.ProbeInfo), TrainerConfig.Json)!;

    /// <summary>The run's probed model or models (an ensemble's members) and its own probe decisions.</summary>
    private (IReadOnlyList<FindingsModel> Models, ProbeInfo Info) LoadModels()
    {
        if (!config.IsEnsemble)
        {
            var (model, own, _) = LoadFindings();
            return ([model], own);
        }
        if (!File.Exists(run.ProbeInfo))
            throw new InvalidOperationException($"The ensemble '{run.Root}' has no thresholds yet: run its probe stage.");
        return (LoadMembers().Models, ReadProbeInfo());
    }

    /// <summary>Loads the probed findings model, with the zero-shot head built from label prompts (one model's run).</summary>
    public (FindingsModel Model, ProbeInfo Info, CgDmerModel Pretrained) LoadFindings()
    {
        if (config.IsEnsemble) throw new InvalidOperationException("An ensemble has no findings model of its own: load its members.");
        var (pre, tokenizer, _) = Checkpoint.Load(run.Pretrain);
        var info = ReadProbeInfo();
        var prompts = PromptEmbeddings(pre, tokenizer, info.ZeroShotLabels);
        var model = new FindingsModel(pre.ecgEncoder, info.Labels.Count, pre.Config.Dim, pre.ecgShared, prompts,
            config.EffectiveRhythmFeatureSet is { } features ? RhythmFeatures.CountOf(features) : 0, config.Probe.HeadHidden,
            config.Probe.OwnLayerHeads(info.Labels), config.Probe.RecordingContexts, config.Probe.OwnLayerWidth);
        model.load(run.FindingsWeights);
        model.eval();
        return (model, info, pre);
    }

    /// <summary>
    /// Zero-shot class vectors: each label is described in several phrasings by the report writer, encoded by the report
    /// encoder's shared projection, averaged and normalised. Stored in the ONNX file as a constant.
    /// </summary>
    public static Tensor PromptEmbeddings(CgDmerModel pre, ReportTokenizer tokenizer, IReadOnlyList<string> labels, int phrasings = 8)
    {
        int l = pre.Config.TextMaxTokens;
        var rows = new List<Tensor>();
        using var _ = no_grad();
        pre.eval();
        foreach (var key in labels)
        {
            var ids = new long[phrasings * l];
            for (int p = 0; p < phrasings; p++) tokenizer.Encode(ReportWriter.Write([EcgLabels.ByKey(key)], 9000 + p), ids.AsSpan(p * l, l));
            var e = nn.functional.normalize(pre.reportShared.forward(pre.reportEncoder.Encode(tensor(ids, [phrasings, l]))), 2, -1);
            rows.Add(nn.functional.normalize(e.mean([0]), 2, -1));
        }
        return stack(rows).detach();
    }

    /// <param name="onValidation">
    /// Score the validation split instead, into evaluation/validation-metrics.json (and no plot, no validated verdict in
    /// the shipped metrics): the figures to compare recipes by, so that the test split chooses nothing.
    /// </param>
    public List<LabelMetric> Evaluate(int bootstrap = 1000, bool onValidation = false)
    {
        var (models, info) = LoadModels();
        var set = Data.Set;
        var test = onValidation ? Data.Validation : Data.Test;
        if (test.Length == 0)
            throw new InvalidOperationException($"The {(onValidation ? "validation" : "test")} split is empty: configure its records or a synthetic share.");
        var probs = Predict(models, set, test);
        Directory.CreateDirectory(run.Evaluation);
        using (var predictions = new StreamWriter(onValidation ? run.ValidationPredictions : run.Predictions))
            WindowPredictions.Write(predictions, set, test, probs, info.Labels);
        // The balanced thresholds score the challenge; the fitted decision is scored beside them, on validation by
        // cross-validation (it was fitted on these recordings).
        var (scored, challenge) = RealPatientEvaluation.Run(set, test, probs, info.Labels, info.BalancedThresholds ?? info.Thresholds, bootstrap,
            onValidation ? null : info.ChallengeDecision, crossValidateDecision: onValidation);
        var bedside = RealPatientEvaluation.BedsideAlert(set, test, probs, info.Labels, info.Thresholds);
        var metrics = scored.Where(m => m.Level == RealPatientEvaluation.Window && !m.Source.Contains("-vs-") && m.Source != RealPatientEvaluation.RealPooled)
            .Select(m => new LabelMetric(m.Label, m.Source, m.Auroc, m.Lower, m.Upper, m.Positives, m.Negatives, m.Patients)).ToList();
        var curves = new List<(string, List<(double, double, double)>, double)>();
        for (int c = 0; c < info.Labels.Count; c++)
        {
            int col = set.Labels.ToList().FindIndex(x => x.Key == info.Labels[c]);
            var idx = Enumerable.Range(0, test.Length).Where(k => set.IsKnown(test[k], col) && set.Sources[test[k]] != WindowSources.Synthetic).ToArray();
            var y = idx.Select(k => set.HasLabel(test[k], col)).ToArray();
            if (!y.Any(v => v) || y.All(v => v)) continue;
            var s = idx.Select(k => probs[k * info.Labels.Count + c]).ToArray();
            curves.Add((info.Labels[c], Auroc.Curve(s, y), Auroc.Compute(s, y)));
        }
        if (!onValidation) Plots.RocCurves(curves, Path.Combine(run.Evaluation, "roc.png"), "ROC on held-out real patients (all real sources pooled)");
        var validated = Validated(info.Labels, scored);
        // Validation only: where the findings' thresholds would best be fitted, each bedside patient held out in turn.
        var thresholdPopulations = !onValidation ? null : info.Labels
            .Select((key, c) => config.AlertSpecificity.ContainsKey(key) ? null
                : FindingThresholds.LeaveOneBedsidePatientOut(set, test, probs, info.Labels.Count, c, set.Labels.ToList().FindIndex(l => l.Key == key), key))
            .OfType<ThresholdPopulationCheck>().ToList();
        var summary = new
        {
            labels = scored,
            challenge,
            bedside_af_alert = bedside,
            bedside_af_operating_points = RealPatientEvaluation.BedsideOperatingPoints(set, test, probs, info.Labels),
            threshold_populations = thresholdPopulations,
            validated,
            macro_auroc_by_source = metrics.Select(m => m.Source).Distinct().ToDictionary(s => s, s => MacroAuroc(metrics, s)),
            test_windows = test.Length,
        };
        File.WriteAllText(onValidation ? run.ValidationMetrics : run.Metrics, JsonSerializer.Serialize(summary, TrainerConfig.Json));
        return metrics;
    }

    /// <summary>
    /// The labels that pass <see cref="TrainerConfig.Validation"/>: on all held-out real patients together (window level)
    /// AUROC and the lower end of its 95 % CI at or above the bar, and on every real source where the label could be
    /// measured the AUROC itself at or above it (a source with few patients has too wide an interval to bound, but may
    /// not contradict the pooled figure).
    /// </summary>
    public Dictionary<string, bool> Validated(IReadOnlyList<string> labels, IReadOnlyList<ScoredMetric> scored)
    {
        var bar = config.Validation;
        var result = new Dictionary<string, bool>();
        foreach (var label in labels)
        {
            var pooled = scored.FirstOrDefault(m => m.Label == label && m.Source == RealPatientEvaluation.RealPooled);
            var perSource = scored.Where(m => m.Label == label && m.Source is not (WindowSources.Synthetic or RealPatientEvaluation.RealPooled)).ToList();
            result[label] = !bar.FromHeartRate.Contains(label) && pooled is not null
                && pooled.Auroc >= bar.MinAuroc && pooled.Lower >= bar.MinLowerBound && pooled.Patients >= bar.MinPatients
                && perSource.All(m => m.Auroc >= bar.MinAuroc);
        }
        return result;
    }

    public static double MacroAuroc(IEnumerable<LabelMetric> metrics, string source)
    {
        var v = metrics.Where(m => m.Source == source && !double.IsNaN(m.Auroc)).Select(m => m.Auroc).ToList();
        return v.Count == 0 ? double.NaN : v.Average();
    }

    public string Export(string? path = null)
    {
        var (models, info) = LoadModels();
        string metrics = File.Exists(run.Metrics) ? File.ReadAllText(run.Metrics) : "{}";
        // A label is validated only by this run's own held-out evaluation; without one nothing is.
        var validated = new Dictionary<string, bool>();
        if (File.Exists(run.Metrics) && JsonDocument.Parse(metrics).RootElement.TryGetProperty("validated", out var v))
            foreach (var p in v.EnumerateObject()) validated[p.Name] = p.Value.GetBoolean();
        string trainingData = Data.Summary();
        var meta = new ModelMetadata
        {
            ModelName = config.Name,
            ModelVersion = config.Version,
            Labels = info.Labels.Select((k, i) =>
            {
                var l = EcgLabels.ByKey(k);
                return new LabelMetadata(l.Key, l.SnomedCode, l.Display, info.Thresholds[i], Validated: validated.GetValueOrDefault(k));
            }).ToList(),
            SampleRateHz = config.Model.SampleRateHz,
            WindowSamples = config.Model.WindowSamples,
            Preprocessing = EcgPreprocessing.Identifier,
            EmbeddingDim = config.Model.Dim,
            ZeroShotLabels = info.ZeroShotLabels,
            Objective = config.Pretrain.Objective,
            RhythmFeatures = config.EffectiveRhythmFeatureSet ?? ModelMetadata.NoRhythmFeatures,
            TrainingData = trainingData,
            Metrics = metrics,
        };
        path ??= run.Onnx;
        OnnxExporter.Save(models, meta, path);
        return path;
    }
}
