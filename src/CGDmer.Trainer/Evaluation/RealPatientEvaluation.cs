using CGDmer.Model;
using CGDmer.Trainer.Data;
using CGDmer.Signal;

namespace CGDmer.Trainer.Evaluation;

/// <summary>One AUROC on one set of held-out windows, with the RR-irregularity baseline on the same windows where it applies.</summary>
public sealed record ScoredMetric(
    string Label, string Source, string Level, double Auroc, double Lower, double Upper, int Positives, int Negatives, int Patients,
    double? RrBaselineAuroc = null, double? RrBaselineLower = null, double? RrBaselineUpper = null);

/// <summary>
/// The PhysioNet/CinC 2017 challenge score on the test recordings: F1 of N, A and O and their mean, with the balanced
/// thresholds deciding (each class's recording mean over its threshold, the highest wins).
/// </summary>
/// <param name="FittedMeanF1">The score of the <see cref="ChallengeDecision"/> fitted on the validation recordings, on
/// the same recordings; null without one. Reported beside the balanced score, not in its place: its rule
/// (docs/measurements/2026-12-06-challenge-decision-rule.txt) did not adopt it.</param>
/// <param name="FittedCrossValidatedMeanF1">On the validation split: the score of a decision fitted to four fifths of its
/// recordings on the fifth it did not see, over five folds (<see cref="ChallengeDecision.CrossValidatedScore"/>).</param>
/// <param name="Service">The same decisions on the recordings as the service would publish them (with rhythm features,
/// which carry each window's signal quality; null without).</param>
public sealed record ChallengeScore(int Recordings, double F1Normal, double F1Af, double F1Other, double MeanF1,
    double RrBaselineMeanF1, int[][] Confusion, double? FittedMeanF1 = null, double? FittedCrossValidatedMeanF1 = null,
    ServiceChallengeScore? Service = null);

/// <summary>
/// The challenge score as the service would publish it: it finds nothing in a window whose signal quality is below
/// <see cref="RealPatientEvaluation.ServicePoorSignalQuality"/>, so a recording is the mean of its other windows, and a
/// recording with none gets no class (<see cref="ChallengeRecording.Silent"/>). The decisions are the model's, unchanged:
/// the service has no other thresholds for such recordings.
/// </summary>
/// <param name="SilentRecordings">Recordings with no window the service analyses, by class (N, A, O, noisy).</param>
/// <param name="MeanF1">The balanced decision's score.</param>
/// <param name="FittedMeanF1">The fitted decision's score (on the test split).</param>
/// <param name="FittedCrossValidatedMeanF1">On the validation split: decisions fitted on four fifths of the recordings
/// (read over all their windows, as they are fitted), scored on the fifth as the service sees it.</param>
public sealed record ServiceChallengeScore(int[] SilentRecordings, double MeanF1, int[][] Confusion, double? FittedMeanF1 = null,
    double? FittedCrossValidatedMeanF1 = null);

/// <summary>
/// AF at the shipped alert threshold on the held-out bedside (Holter) windows, the operating point the service alerts at:
/// the share of AFTDB's AF windows and of MIT-BIH's AF windows at or above it (sensitivity), and of MIT-BIH's windows
/// without AF (the false-positive rate). On the validation split the threshold was set on the same negatives, so there
/// the sensitivities are what it tells.
/// </summary>
public sealed record BedsideAlertScore(double Threshold, double? AftdbSensitivity, int AftdbAfWindows, double? MitBihSensitivity,
    int MitBihAfWindows, double? MitBihFalsePositiveRate, int MitBihNonAfWindows);

/// <summary>
/// One operating point on the held-out MIT-BIH windows whose AF is annotated: the lowest threshold at which at most
/// <see cref="FalsePositiveRate"/> of the windows without AF reach it, and the share of AF windows that do, for the
/// model's AF probability and for the RR-irregularity baseline on the same windows. Tells whether any alert threshold
/// could give the alarm targets on these patients, whatever validation chose.
/// </summary>
public sealed record BedsideOperatingPoint(double FalsePositiveRate, double ModelThreshold, double ModelSensitivity,
    double? RrThreshold, double? RrSensitivity, int AfWindows, int NonAfWindows);

/// <summary>
/// Scores a model's held-out windows per source, as the model card reports them: window-level AUROC with a patient
/// bootstrap for every annotated label, the RR-irregularity baseline beside AF, CinC 2017 at recording level (mean of its
/// windows) with the challenge's F1, and AFTDB's AF windows against the held-out MIT-BIH windows without AF (AFTDB has
/// no negatives of its own).
/// </summary>
public static class RealPatientEvaluation
{
    public const string Window = "window", Recording = "recording";

    /// <summary>
    /// The service finds nothing in a window whose analysis lead's signal quality is below this: the default of its
    /// <c>InterpretationOptions.PoorSignalQuality</c> (the trainer does not reference the pipeline; a test holds them equal).
    /// </summary>
    public const double ServicePoorSignalQuality = 0.5;
    /// <summary>The source name of all real held-out windows together.</summary>
    public const string RealPooled = "real";

    /// <param name="probabilities">[test.Length × labels.Count] in <paramref name="labels"/> order.</param>
    /// <param name="thresholds">Each label's balanced decision threshold (chosen on validation), in <paramref name="labels"/> order.</param>
    /// <param name="decision">The challenge decision fitted on the validation recordings, also scored
    /// (<see cref="ChallengeScore.FittedMeanF1"/>); null: none.</param>
    /// <param name="crossValidateDecision">Also score a decision fitted on these recordings by cross-validation (on the
    /// validation split, where a decision fitted on the same recordings would flatter itself).</param>
    public static (List<ScoredMetric> Metrics, ChallengeScore? Challenge) Run(WindowSet set, int[] test, float[] probabilities,
        IReadOnlyList<string> labels, IReadOnlyList<double> thresholds, int bootstrap, ChallengeDecision? decision = null,
        bool crossValidateDecision = false)
    {
        var metrics = new List<ScoredMetric>();
        int nl = labels.Count;
        int rr = WindowRhythm.IrregularityFeature;
        float Irregularity(int k) => set.RhythmFeatureCount > 0 ? set.Rhythm(test[k])[rr] : float.NaN;
        int Column(string key) => set.Labels.ToList().FindIndex(l => l.Key == key);

        var sources = test.Select(i => set.Sources[i]).Distinct().Order().ToList();
        // Every real source's own windows, and all real held-out windows pooled ("real").
        foreach (var source in sources.Append(RealPooled))
        {
            var idx = Enumerable.Range(0, test.Length)
                .Where(k => source == RealPooled ? set.Sources[test[k]] != WindowSources.Synthetic : set.Sources[test[k]] == source).ToArray();
            for (int c = 0; c < nl; c++)
            {
                int col = Column(labels[c]);
                var known = idx.Where(k => set.IsKnown(test[k], col)).ToArray();
                var s = known.Select(k => probabilities[k * nl + c]).ToArray();
                var y = known.Select(k => set.HasLabel(test[k], col)).ToArray();
                var p = known.Select(k => set.Patients[test[k]]).ToArray();
                if (!y.Any(v => v) || y.All(v => v)) continue;
                var est = PatientBootstrap.Estimate(s, y, p, bootstrap);
                AurocEstimate? baseline = labels[c] == EcgLabels.AtrialFibrillation.Key && set.RhythmFeatureCount > 0
                    ? PatientBootstrap.Estimate(known.Select(Irregularity).ToArray(), y, p, bootstrap) : null;
                metrics.Add(Metric(labels[c], source, Window, est, baseline));
            }
        }

        // AFTDB has only AF: its held-out patients against the held-out MIT-BIH windows without AF.
        int af = labels.ToList().IndexOf(EcgLabels.AtrialFibrillation.Key), afCol = Column(EcgLabels.AtrialFibrillation.Key);
        if (af >= 0 && sources.Contains(WindowSources.Aftdb) && sources.Contains(WindowSources.MitBih))
        {
            var idx = Enumerable.Range(0, test.Length).Where(k =>
                set.Sources[test[k]] == WindowSources.Aftdb || set.Sources[test[k]] == WindowSources.MitBih && !set.HasLabel(test[k], afCol)).ToArray();
            var y = idx.Select(k => set.HasLabel(test[k], afCol)).ToArray();
            var p = idx.Select(k => set.Patients[test[k]]).ToArray();
            var est = PatientBootstrap.Estimate(idx.Select(k => probabilities[k * nl + af]).ToArray(), y, p, bootstrap);
            var baseline = set.RhythmFeatureCount > 0 ? PatientBootstrap.Estimate(idx.Select(Irregularity).ToArray(), y, p, bootstrap) : (AurocEstimate?)null;
            metrics.Add(Metric(EcgLabels.AtrialFibrillation.Key, "aftdb-vs-mitbih-non-af", Window, est, baseline));
        }

        ChallengeScore? challenge = null;
        if (sources.Contains(WindowSources.Cinc2017)) challenge = Cinc(set, test, probabilities, labels, thresholds, bootstrap, metrics, decision, crossValidateDecision);
        return (metrics, challenge);
    }

    /// <summary>AF at its shipped threshold on the bedside windows of <paramref name="test"/> (null without AF among the labels).</summary>
    /// <param name="probabilities">[test.Length × labels.Count] in <paramref name="labels"/> order.</param>
    /// <param name="shippedThresholds">Each label's shipped threshold (AF's is its alert operating point), in <paramref name="labels"/> order.</param>
    public static BedsideAlertScore? BedsideAlert(WindowSet set, int[] test, float[] probabilities, IReadOnlyList<string> labels,
        IReadOnlyList<double> shippedThresholds)
    {
        int nl = labels.Count;
        var (af, afCol) = AfColumns(set, labels);
        if (af < 0 || afCol < 0) return null;
        double alertThreshold = shippedThresholds[af];
        int aftdb = 0, aftdbAbove = 0, mitAf = 0, mitAfAbove = 0, mitNon = 0, mitNonAbove = 0;
        for (int k = 0; k < test.Length; k++)
        {
            int i = test[k];
            if (!set.IsKnown(i, afCol)) continue;
            bool above = probabilities[k * nl + af] >= alertThreshold, positive = set.HasLabel(i, afCol);
            switch (set.Sources[i])
            {
                case WindowSources.Aftdb when positive: aftdb++; if (above) aftdbAbove++; break;
                case WindowSources.MitBih when positive: mitAf++; if (above) mitAfAbove++; break;
                case WindowSources.MitBih: mitNon++; if (above) mitNonAbove++; break;
            }
        }
        static double? Share(int part, int whole) => whole == 0 ? null : (double)part / whole;
        return new BedsideAlertScore(alertThreshold, Share(aftdbAbove, aftdb), aftdb, Share(mitAfAbove, mitAf), mitAf, Share(mitNonAbove, mitNon), mitNon);
    }

    /// <summary>AF's index among <paramref name="labels"/> and its column in <paramref name="set"/> (−1 where absent).</summary>
    private static (int Label, int Column) AfColumns(WindowSet set, IReadOnlyList<string> labels) =>
        (labels.ToList().IndexOf(EcgLabels.AtrialFibrillation.Key), set.Labels.ToList().FindIndex(l => l.Key == EcgLabels.AtrialFibrillation.Key));

    /// <summary>The window false-positive rates of <see cref="BedsideOperatingPoints"/>.</summary>
    public static readonly IReadOnlyList<double> OperatingFalsePositiveRates = [0.005, 0.01, 0.02, 0.05];

    /// <summary>
    /// AF on the held-out MIT-BIH windows at each of <see cref="OperatingFalsePositiveRates"/> (empty without AF among
    /// the labels or without MIT-BIH windows of both kinds). Test figures: they report, and choose nothing.
    /// </summary>
    public static IReadOnlyList<BedsideOperatingPoint> BedsideOperatingPoints(WindowSet set, int[] test, float[] probabilities, IReadOnlyList<string> labels)
    {
        int nl = labels.Count;
        var (af, afCol) = AfColumns(set, labels);
        if (af < 0 || afCol < 0) return [];
        int rr = set.RhythmFeatureCount > 0 ? WindowRhythm.IrregularityFeature : -1;
        var (modelAf, modelNon, rrAf, rrNon) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (int k = 0; k < test.Length; k++)
        {
            int i = test[k];
            if (set.Sources[i] != WindowSources.MitBih || !set.IsKnown(i, afCol)) continue;
            bool positive = set.HasLabel(i, afCol);
            (positive ? modelAf : modelNon).Add(probabilities[k * nl + af]);
            if (rr >= 0) (positive ? rrAf : rrNon).Add(set.Rhythm(i)[rr]);
        }
        if (modelAf.Count == 0 || modelNon.Count == 0) return [];
        return OperatingFalsePositiveRates.Select(rate =>
        {
            var (t, se) = AtFalsePositiveRate(modelAf, modelNon, rate);
            (double T, double Se)? baseline = rr >= 0 ? AtFalsePositiveRate(rrAf, rrNon, rate) : null;
            return new BedsideOperatingPoint(rate, t, se, baseline?.T, baseline?.Se, modelAf.Count, modelNon.Count);
        }).ToList();
    }

    /// <summary>
    /// The lowest threshold that at most <paramref name="rate"/> of <paramref name="negatives"/> reach (a score counts at or
    /// above it; ties with the first negative left out stay below), and the share of <paramref name="positives"/> that reach it.
    /// </summary>
    internal static (double Threshold, double Sensitivity) AtFalsePositiveRate(List<double> positives, List<double> negatives, double rate)
    {
        var descending = negatives.OrderByDescending(v => v).ToArray();
        int allowed = (int)Math.Floor(rate * descending.Length + 1e-9);
        double threshold = allowed >= descending.Length ? double.NegativeInfinity : Math.BitIncrement(descending[allowed]);
        return (threshold, positives.Count(v => v >= threshold) / (double)positives.Count);
    }

    private static ScoredMetric Metric(string label, string source, string level, AurocEstimate e, AurocEstimate? b) =>
        new(label, source, level, e.Auroc, e.Lower, e.Upper, e.Positives, e.Negatives, e.Patients, b?.Auroc, b?.Lower, b?.Upper);

    /// <summary>
    /// The CinC 2017 recordings among <paramref name="indices"/>, each the mean of its windows' sinus, AF and
    /// other-rhythm probabilities (<paramref name="probabilities"/>: [indices.Length × labels.Count]) and RR irregularity,
    /// in recording-id order; null when the labels lack one of the three.
    /// </summary>
    /// <param name="minSignalQuality">Only windows whose signal quality (the rhythm features') reaches it count, as the
    /// service reads them; a recording with none is <see cref="ChallengeRecording.Silent"/>. Null: every window.</param>
    public static (string[] Ids, ChallengeRecording[] Recordings, double[] Irregularity)? CincRecordings(WindowSet set, int[] indices,
        float[] probabilities, IReadOnlyList<string> labels, double? minSignalQuality = null)
    {
        if (minSignalQuality is not null && set.RhythmFeatureCount == 0)
            throw new ArgumentException("the signal quality needs rhythm features", nameof(minSignalQuality));
        int nl = labels.Count;
        int sr = labels.ToList().IndexOf(EcgLabels.SinusRhythm.Key), af = labels.ToList().IndexOf(EcgLabels.AtrialFibrillation.Key),
            other = labels.ToList().IndexOf(EcgLabels.OtherRhythm.Key);
        if (sr < 0 || af < 0 || other < 0) return null;
        int srCol = set.Labels.ToList().FindIndex(l => l == EcgLabels.SinusRhythm), afCol = set.Labels.ToList().FindIndex(l => l == EcgLabels.AtrialFibrillation),
            otherCol = set.Labels.ToList().FindIndex(l => l == EcgLabels.OtherRhythm);
        var recordings = new Dictionary<string, (double Sr, double Af, double Other, double Irr, int N, int Truth)>();
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            if (set.Sources[i] != WindowSources.Cinc2017) continue;
            // Truth: 0 N, 1 A, 2 O, 3 noisy (nothing annotated).
            int truth = set.HasLabel(i, afCol) ? 1 : set.HasLabel(i, srCol) ? 0 : set.HasLabel(i, otherCol) ? 2 : 3;
            var r = recordings.GetValueOrDefault(set.Patients[i]);
            // NaN fails the comparison, as the service's does.
            if (minSignalQuality is { } min && !(set.Rhythm(i)[WindowRhythm.SignalQualityFeature] >= min))
            {
                recordings[set.Patients[i]] = r with { Truth = truth };
                continue;
            }
            float irr = set.RhythmFeatureCount > 0 ? set.Rhythm(i)[WindowRhythm.IrregularityFeature] : 0;
            recordings[set.Patients[i]] = (r.Sr + probabilities[k * nl + sr], r.Af + probabilities[k * nl + af],
                r.Other + probabilities[k * nl + other], r.Irr + irr, r.N + 1, truth);
        }
        var ids = recordings.Keys.Order().ToArray();
        var rec = ids.Select(id => recordings[id]).ToArray();
        return (ids, rec.Select(r => new ChallengeRecording(r.Sr / r.N, r.Af / r.N, r.Other / r.N, r.Truth, Silent: r.N == 0)).ToArray(),
            rec.Select(r => r.Irr / r.N).ToArray());
    }

    /// <summary>CinC 2017 per recording: mean of its windows' probabilities (and irregularity, for the baseline).</summary>
    private static ChallengeScore? Cinc(WindowSet set, int[] test, float[] probabilities, IReadOnlyList<string> labels,
        IReadOnlyList<double> thresholds, int bootstrap, List<ScoredMetric> metrics, ChallengeDecision? decision, bool crossValidateDecision)
    {
        if (CincRecordings(set, test, probabilities, labels) is not var (ids, rec, irregularity)) return null;
        int sr = labels.ToList().IndexOf(EcgLabels.SinusRhythm.Key), af = labels.ToList().IndexOf(EcgLabels.AtrialFibrillation.Key),
            other = labels.ToList().IndexOf(EcgLabels.OtherRhythm.Key);

        // Recording-level AF AUROC over N, A and O (noisy recordings say nothing about AF), bootstrap over recordings.
        var scoredIdx = Enumerable.Range(0, rec.Length).Where(j => rec[j].Truth != 3).ToArray();
        var y = scoredIdx.Select(j => rec[j].Truth == 1).ToArray();
        var patients = scoredIdx.Select(j => ids[j]).ToArray();
        var est = PatientBootstrap.Estimate(scoredIdx.Select(j => (float)rec[j].Af).ToArray(), y, patients, bootstrap);
        var baseline = PatientBootstrap.Estimate(scoredIdx.Select(j => (float)irregularity[j]).ToArray(), y, patients, bootstrap);
        metrics.Add(Metric(EcgLabels.AtrialFibrillation.Key, WindowSources.Cinc2017, Recording, est, baseline));

        // Balanced: the highest of N, A, O relative to its own validation threshold (the sigmoids are independent and not
        // calibrated against each other). Noisy recordings count in the confusion matrix as truth only.
        double tSr = thresholds[sr], tAf = thresholds[af], tOther = thresholds[other];
        int Balanced(double n, double a, double o)
        {
            (n, a, o) = (n / tSr, a / tAf, o / tOther);
            return a >= n && a >= o ? 1 : n >= o ? 0 : 2;
        }
        var balanced = ChallengeDecision.Confusion(rec, Balanced);
        double fn = ChallengeDecision.F1(balanced, 0), fa = ChallengeDecision.F1(balanced, 1), fo = ChallengeDecision.F1(balanced, 2);
        double rrBaseline = RrBaselineF1(irregularity.Zip(rec, (irr, r) => (irr, r.Truth)).ToArray());

        ServiceChallengeScore? service = null;
        if (set.RhythmFeatureCount > 0 && CincRecordings(set, test, probabilities, labels, ServicePoorSignalQuality) is var (_, seen, _))
        {
            var silent = new int[4];
            foreach (var r in seen) if (r.Silent) silent[r.Truth]++;
            var serviceBalanced = ChallengeDecision.Confusion(seen, Balanced);
            service = new ServiceChallengeScore(silent, ChallengeDecision.MeanF1(serviceBalanced), serviceBalanced,
                decision is null ? null : ChallengeDecision.MeanF1(ChallengeDecision.Confusion(seen, decision.Classify)),
                crossValidateDecision ? ChallengeDecision.CrossValidatedScore(rec, scoredAs: seen) : null);
        }
        return new ChallengeScore(rec.Length, fn, fa, fo, (fn + fa + fo) / 3, rrBaseline, balanced,
            decision is null ? null : ChallengeDecision.MeanF1(ChallengeDecision.Confusion(rec, decision.Classify)),
            crossValidateDecision ? ChallengeDecision.CrossValidatedScore(rec) : null, service);
    }

    /// <summary>
    /// The RR-irregularity baseline's challenge F1: A above a threshold, everything else N (it cannot tell O), with the
    /// threshold that maximises its own F1 on the test recordings themselves, so the baseline is flattered, not the model.
    /// </summary>
    private static double RrBaselineF1((double Irr, int Truth)[] rec)
    {
        double best = 0;
        foreach (var t in rec.Select(r => r.Irr).Distinct().Order())
        {
            int tpA = 0, pA = 0, aA = 0, tpN = 0, pN = 0, aN = 0, aO = 0;
            foreach (var (irr, truth) in rec)
            {
                bool a = irr >= t;
                if (a) pA++; else pN++;
                if (truth == 1) { aA++; if (a) tpA++; }
                if (truth == 0) { aN++; if (!a) tpN++; }
                if (truth == 2) aO++;
            }
            double f1A = pA + aA == 0 ? 0 : 2.0 * tpA / (pA + aA), f1N = pN + aN == 0 ? 0 : 2.0 * tpN / (pN + aN);
            best = Math.Max(best, (f1A + f1N + 0) / 3);
        }
        return best;
    }
}
