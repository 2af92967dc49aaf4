using CGDmer.Signal;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Evaluation;

namespace CGDmer.Trainer.Tests;

public class ChallengeDecisionTests
{
    /// <summary>N, A and O recordings whose means a sequential decision separates, but the balanced thresholds do not:
    /// the other-rhythm mean stays below the sinus mean, yet above a fixed share of it.</summary>
    private static ChallengeRecording[] Separable()
    {
        var list = new List<ChallengeRecording>();
        for (int i = 0; i < 30; i++)
        {
            list.Add(new(0.8 + i * 0.005, 0.05, 0.2, 0));      // normal: other below 0.26 of sinus
            list.Add(new(0.3, 0.7 + i * 0.005, 0.3, 1));        // AF
            list.Add(new(0.6, 0.1, 0.35 + i * 0.004, 2));       // other: other at 0.58 to 0.78 of sinus
        }
        list.Add(new(0.5, 0.5, 0.5, 3));                        // noisy: truth only
        return list.ToArray();
    }

    private static readonly string[] Labels = [EcgLabels.SinusRhythm.Key, EcgLabels.AtrialFibrillation.Key, EcgLabels.OtherRhythm.Key];
    private static readonly EcgLabel[] Annotated = [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation, EcgLabels.OtherRhythm];

    private static EcgLabel[] Truth(ChallengeRecording r) =>
        r.Truth switch { 0 => [EcgLabels.SinusRhythm], 1 => [EcgLabels.AtrialFibrillation], 2 => [EcgLabels.OtherRhythm], _ => [] };

    /// <summary>One CinC window per recording, without rhythm features, with the recording's probabilities (<see cref="Labels"/> order).</summary>
    private static (WindowSet Set, float[] Probabilities) OneWindowEach(ChallengeRecording[] recordings)
    {
        var set = new WindowSet(10, EcgLabels.All, recordings.Length);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.I] = new float[10];
        var probabilities = new float[recordings.Length * Labels.Length];
        for (int k = 0; k < recordings.Length; k++)
        {
            var r = recordings[k];
            set.Add(rows, Truth(r), Annotated, "", $"cinc-{k:D3}", "cinc2017", default);
            (probabilities[k * 3], probabilities[k * 3 + 1], probabilities[k * 3 + 2]) = ((float)r.Sinus, (float)r.Af, (float)r.Other);
        }
        return (set, probabilities);
    }

    [Fact]
    public void Fit_finds_the_sequential_decision_that_separates_the_classes()
    {
        var recordings = Separable();
        var decision = ChallengeDecision.Fit(recordings)!;
        var confusion = ChallengeDecision.Confusion(recordings, decision.Classify);
        for (int c = 0; c < 3; c++) Assert.Equal(30, confusion[c][c]);   // every N, A and O recording in its class
        Assert.Equal(0, decision.Classify(0.9, 0.05, 0.2));
        Assert.Equal(1, decision.Classify(0.3, 0.8, 0.3));
        Assert.Equal(2, decision.Classify(0.6, 0.1, 0.4));
        Assert.Equal(1, confusion[3].Sum());   // the noisy recording is counted as truth, never as a class
    }

    [Fact]
    public void Without_a_class_to_fit_to_there_is_no_decision()
    {
        var recordings = Separable().Where(r => r.Truth != 2).ToArray();
        Assert.Null(ChallengeDecision.Fit(recordings));
        Assert.True(double.IsNaN(ChallengeDecision.CrossValidatedScore(recordings)));
    }

    [Fact]
    public void Cross_validation_scores_each_fold_with_a_decision_that_did_not_see_it()
    {
        // Classes drawn independently of the probabilities: a decision fitted to these recordings finds chance patterns
        // and scores above what it is worth; fitted on the other folds it cannot. (A fit that saw the scored fold scores
        // as the in-sample fit does.)
        var rng = new Random(3);
        var recordings = Enumerable.Range(0, 300)
            .Select(_ => new ChallengeRecording(rng.NextDouble(), rng.NextDouble(), rng.NextDouble(), rng.Next(3))).ToArray();
        double inSample = ChallengeDecision.MeanF1(ChallengeDecision.Confusion(recordings, ChallengeDecision.Fit(recordings)!.Classify));
        double crossValidated = ChallengeDecision.CrossValidatedScore(recordings);
        Assert.True(crossValidated < inSample - 0.03, $"cross-validated {crossValidated:F3}, in-sample {inSample:F3}");
        // On separable recordings it loses nothing: the fitted decision's own score (only the noisy recording is off).
        var separable = Separable();
        Assert.Equal(ChallengeDecision.MeanF1(ChallengeDecision.Confusion(separable, ChallengeDecision.Fit(separable)!.Classify)),
            ChallengeDecision.CrossValidatedScore(separable), 12);
    }

    [Fact]
    public void The_challenge_score_keeps_the_balanced_decision_and_reports_the_fitted_one_beside_it()
    {
        var recordings = Separable();
        var (set, probabilities) = OneWindowEach(recordings);
        var test = Enumerable.Range(0, recordings.Length).ToArray();
        double[] balanced = [0.5, 0.5, 0.5];   // other rhythm never reaches the sinus mean: every O recording is called N
        var decision = ChallengeDecision.Fit(recordings)!;

        var (_, plain) = RealPatientEvaluation.Run(set, test, probabilities, Labels, balanced, bootstrap: 20);
        var (_, fitted) = RealPatientEvaluation.Run(set, test, probabilities, Labels, balanced, bootstrap: 20, decision);
        var (_, validation) = RealPatientEvaluation.Run(set, test, probabilities, Labels, balanced, bootstrap: 20, crossValidateDecision: true);

        Assert.Equal(0, plain!.Confusion[2][2]);
        Assert.Null(plain.FittedMeanF1);
        Assert.Null(plain.FittedCrossValidatedMeanF1);
        // The balanced thresholds still give the score; the fitted decision's is beside it.
        Assert.Equal(plain.MeanF1, fitted!.MeanF1, 12);
        Assert.Equal(plain.Confusion.SelectMany(r => r), fitted.Confusion.SelectMany(r => r));
        Assert.True(fitted.FittedMeanF1 > plain.MeanF1 + 0.2);
        Assert.Equal(plain.MeanF1, validation!.MeanF1, 12);
        Assert.NotNull(validation.FittedCrossValidatedMeanF1);
    }

    [Fact]
    public void The_service_poor_signal_rule_is_the_interpretation_default()
    {
        Assert.Equal(RealPatientEvaluation.ServicePoorSignalQuality, new CGDmer.Pipeline.Interpretation.InterpretationOptions().PoorSignalQuality);
    }

    [Fact]
    public void A_silent_recording_is_a_miss_for_its_class_and_never_a_prediction()
    {
        var recordings = Separable().ToList();
        var decision = ChallengeDecision.Fit(recordings)!;
        double whole = ChallengeDecision.MeanF1(ChallengeDecision.Confusion(recordings, decision.Classify));
        // One O recording silent, with probabilities that would otherwise be called N.
        recordings[2] = new ChallengeRecording(double.NaN, double.NaN, double.NaN, 2, Silent: true);
        var alone = ChallengeDecision.Confusion([recordings[2]], (_, _, _) => throw new InvalidOperationException("a silent recording is not decided"));
        Assert.Equal(1, alone[2][ChallengeRecording.NoFinding]);
        Assert.Equal(1, alone.Sum(row => row.Sum()));
        var confusion = ChallengeDecision.Confusion(recordings, decision.Classify);
        Assert.Equal(29, confusion[2][2]);
        Assert.Equal(30, confusion[0][0] + confusion[1][0] + confusion[2][0] + confusion[3][0]);   // not predicted N
        // O's F1 loses one true positive: 2·29 / (29 + 30); N and A keep theirs.
        Assert.Equal(2.0 * 29 / 59, ChallengeDecision.F1(confusion, 2), 12);
        Assert.Equal(whole - (1 - 2.0 * 29 / 59) / 3, ChallengeDecision.MeanF1(confusion), 12);
    }

    [Fact]
    public void Cross_validation_can_score_the_recordings_as_the_service_sees_them()
    {
        var recordings = Separable();
        Assert.Equal(ChallengeDecision.CrossValidatedScore(recordings), ChallengeDecision.CrossValidatedScore(recordings, scoredAs: recordings), 12);
        var seen = recordings.Select(r => r.Truth == 1 ? new ChallengeRecording(double.NaN, double.NaN, double.NaN, 1, Silent: true) : r).ToArray();
        // Every AF recording silent: A's F1 is 0, N's and O's as before.
        Assert.Equal(2.0 / 3, ChallengeDecision.CrossValidatedScore(recordings, scoredAs: seen), 2);
        var e = Assert.Throws<ArgumentException>(() => ChallengeDecision.CrossValidatedScore(recordings, scoredAs: seen.Reverse().ToArray()));
        Assert.Contains("another class", e.Message);
    }

    [Fact]
    public void The_service_score_reads_only_the_windows_the_service_analyses()
    {
        // Two windows per recording: a clean one with the recording's probabilities, and a poor one (signal quality 0.25)
        // that says AF. Read over every window the poor ones pull N and O towards AF; the service never reads them. The
        // first O recording has only poor windows: the service finds nothing in it.
        var recordings = Separable();
        var set = TinyProbe.WindowsWithRhythm(2 * recordings.Length);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.II] = new float[TinyProbe.Config.WindowSamples];
        var probabilities = new List<float>();
        var features = new float[TinyProbe.RhythmFeatureCount];
        for (int k = 0; k < recordings.Length; k++)
        {
            var r = recordings[k];
            features[WindowRhythm.SignalQualityFeature] = k == 2 ? 0.25f : 0.9f;
            set.Add(rows, Truth(r), Annotated, "", $"cinc-{k:D3}", "cinc2017", features);
            probabilities.AddRange([(float)r.Sinus, (float)r.Af, (float)r.Other]);
            features[WindowRhythm.SignalQualityFeature] = k == 3 ? float.NaN : 0.25f;   // an unmeasured quality is poor too
            set.Add(rows, Truth(r), Annotated, "", $"cinc-{k:D3}", "cinc2017", features);
            probabilities.AddRange([0.05f, 0.99f, 0.05f]);
        }
        var test = Enumerable.Range(0, 2 * recordings.Length).ToArray();
        var decision = ChallengeDecision.Fit(recordings)!;
        double[] thresholds = [0.5, 0.5, 0.5];

        var (_, challenge) = RealPatientEvaluation.Run(set, test, probabilities.ToArray(), Labels, thresholds, bootstrap: 20, decision);
        var service = challenge!.Service!;
        Assert.Equal([0, 0, 1, 0], service.SilentRecordings);
        Assert.Equal(1, service.Confusion[2][ChallengeRecording.NoFinding]);
        // The fitted decision on the clean windows alone, the silent recording a miss.
        var seen = recordings.Select((r, k) => k == 2 ? new ChallengeRecording(double.NaN, double.NaN, double.NaN, 2, Silent: true) : r).ToArray();
        Assert.Equal(ChallengeDecision.MeanF1(ChallengeDecision.Confusion(seen, decision.Classify)), service.FittedMeanF1!.Value, 12);
        Assert.Equal(29, service.Confusion[2].Take(3).Sum());
        Assert.True(challenge.FittedMeanF1 < service.FittedMeanF1 - 0.1, $"all windows {challenge.FittedMeanF1:F3}, as the service reads them {service.FittedMeanF1:F3}");

        var (_, validation) = RealPatientEvaluation.Run(set, test, probabilities.ToArray(), Labels, thresholds, bootstrap: 20, crossValidateDecision: true);
        Assert.NotNull(validation!.Service!.FittedCrossValidatedMeanF1);
        Assert.Null(validation.Service.FittedMeanF1);
    }

    [Fact]
    public void Without_rhythm_features_there_is_no_service_score()
    {
        var recordings = Separable();
        var (set, probabilities) = OneWindowEach(recordings);
        var (_, challenge) = RealPatientEvaluation.Run(set, Enumerable.Range(0, recordings.Length).ToArray(), probabilities, Labels, [0.5, 0.5, 0.5], bootstrap: 20);
        Assert.Null(challenge!.Service);
        Assert.Throws<ArgumentException>(() => RealPatientEvaluation.CincRecordings(set, [0], probabilities, Labels, minSignalQuality: 0.5));
    }
}
