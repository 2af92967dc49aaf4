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
        var set = new WindowSet(10, EcgLabels.All, recordings.Length);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.I] = new float[10];
        string[] labels = [EcgLabels.SinusRhythm.Key, EcgLabels.AtrialFibrillation.Key, EcgLabels.OtherRhythm.Key];
        EcgLabel[] annotated = [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation, EcgLabels.OtherRhythm];
        var probabilities = new float[recordings.Length * labels.Length];
        for (int k = 0; k < recordings.Length; k++)
        {
            var r = recordings[k];
            EcgLabel[] truth = r.Truth switch { 0 => [EcgLabels.SinusRhythm], 1 => [EcgLabels.AtrialFibrillation], 2 => [EcgLabels.OtherRhythm], _ => [] };
            set.Add(rows, truth, annotated, "", $"cinc-{k:D3}", "cinc2017", default);
            (probabilities[k * 3], probabilities[k * 3 + 1], probabilities[k * 3 + 2]) = ((float)r.Sinus, (float)r.Af, (float)r.Other);
        }
        var test = Enumerable.Range(0, recordings.Length).ToArray();
        double[] balanced = [0.5, 0.5, 0.5];   // other rhythm never reaches the sinus mean: every O recording is called N
        var decision = ChallengeDecision.Fit(recordings)!;

        var (_, plain) = RealPatientEvaluation.Run(set, test, probabilities, labels, balanced, bootstrap: 20);
        var (_, fitted) = RealPatientEvaluation.Run(set, test, probabilities, labels, balanced, bootstrap: 20, decision);
        var (_, validation) = RealPatientEvaluation.Run(set, test, probabilities, labels, balanced, bootstrap: 20, crossValidateDecision: true);

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
}
