namespace CGDmer.Trainer.Evaluation;

/// <summary>One CinC 2017 recording at the challenge's level: the means of its windows' sinus, AF and other-rhythm
/// probabilities, and its class (0 N, 1 A, 2 O, 3 noisy).</summary>
/// <param name="Silent">The service would find nothing in it: none of its windows passes the service's poor-signal rule
/// (<see cref="RealPatientEvaluation.ServicePoorSignalQuality"/>); the probabilities are then NaN. Every decision gives
/// such a recording <see cref="NoFinding"/>.</param>
public readonly record struct ChallengeRecording(double Sinus, double Af, double Other, int Truth, bool Silent = false)
{
    /// <summary>The decision column of a silent recording: no class, so a miss for N, A or O and nothing for a noisy one.</summary>
    public const int NoFinding = 3;
}

/// <summary>
/// The challenge class of a CinC 2017 recording from its mean probabilities, fitted to the challenge's score on the
/// validation recordings: AF when the AF mean reaches <see cref="AfThreshold"/>; otherwise other rhythm when the
/// other-rhythm mean reaches <see cref="OtherToSinus"/> times the sinus mean; otherwise normal.
/// </summary>
/// <remarks>
/// Why fitted: the heads' sigmoids are independent, and the balanced thresholds are each label's Youden point on the
/// pooled real windows, not the recordings' three-way decision, so the score can fall while the other-rhythm ranking
/// improves (docs/measurements/2026-12-06-challenge-decision-rule.txt). The fit reads the validation split only, and
/// <see cref="CrossValidatedScore"/> says what it is worth on recordings it did not see. It is reported beside the
/// balanced decision, which still gives the challenge score: its rule did not adopt it.
/// </remarks>
public sealed record ChallengeDecision(double AfThreshold, double OtherToSinus)
{
    /// <summary>The grids the fit searches: AF thresholds 0.05 to 0.95 by 0.01, ratios 0.1 to 10 in 81 log steps.</summary>
    private static readonly double[] AfGrid = Enumerable.Range(5, 91).Select(i => i / 100.0).ToArray();
    private static readonly double[] RatioGrid = Enumerable.Range(0, 81).Select(i => Math.Pow(10, -1 + i / 40.0)).ToArray();

    /// <summary>0 N, 1 A, 2 O.</summary>
    public int Classify(double sinus, double af, double other) => af >= AfThreshold ? 1 : other >= OtherToSinus * sinus ? 2 : 0;

    /// <summary>
    /// The decision of the grids with the highest mean F1 of N, A and O on <paramref name="recordings"/> (ties: the first
    /// found, lowest AF threshold, then lowest ratio), or null when a class has no recording to fit to.
    /// </summary>
    public static ChallengeDecision? Fit(IReadOnlyList<ChallengeRecording> recordings)
    {
        for (int c = 0; c < 3; c++)
            if (!recordings.Any(r => r.Truth == c)) return null;
        ChallengeDecision? best = null;
        double bestScore = double.NegativeInfinity;
        foreach (double t in AfGrid)
            foreach (double g in RatioGrid)
            {
                var d = new ChallengeDecision(t, g);
                double score = MeanF1(Confusion(recordings, d.Classify));
                if (score > bestScore) (best, bestScore) = (d, score);
            }
        return best;
    }

    /// <summary>
    /// The mean F1 of a decision fitted on the other folds and scored on each fold's recordings, the folds' confusion
    /// pooled: <paramref name="folds"/> folds stratified by class, from a fixed shuffle. <paramref name="scoredAs"/>: the
    /// same recordings, in the same order, as they are scored (the service's view of them); null: as fitted.
    /// </summary>
    public static double CrossValidatedScore(IReadOnlyList<ChallengeRecording> recordings, int folds = 5, int seed = 7,
        IReadOnlyList<ChallengeRecording>? scoredAs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var scored = scoredAs ?? recordings;
        if (scored.Count != recordings.Count) throw new ArgumentException($"needs {recordings.Count} recordings to score, has {scored.Count}", nameof(scoredAs));
        for (int i = 0; i < scored.Count; i++)
            if (scored[i].Truth != recordings[i].Truth) throw new ArgumentException($"recording {i} has another class where it is scored", nameof(scoredAs));
        var fold = new int[recordings.Count];
        var rng = new Random(seed);
        for (int c = 0; c < 4; c++)
        {
            var members = Enumerable.Range(0, recordings.Count).Where(i => recordings[i].Truth == c).OrderBy(_ => rng.Next()).ToArray();
            for (int j = 0; j < members.Length; j++) fold[members[j]] = j % folds;
        }
        var pooled = NewConfusion();
        for (int f = 0; f < folds; f++)
        {
            var train = Enumerable.Range(0, recordings.Count).Where(i => fold[i] != f).Select(i => recordings[i]).ToList();
            var decision = Fit(train);
            if (decision is null) return double.NaN;
            for (int i = 0; i < recordings.Count; i++)
                if (fold[i] == f)
                {
                    var s = scored[i];
                    pooled[s.Truth][s.Silent ? ChallengeRecording.NoFinding : decision.Classify(s.Sinus, s.Af, s.Other)]++;
                }
        }
        return MeanF1(pooled);
    }

    /// <summary>Rows: truth 0 N, 1 A, 2 O, 3 noisy; columns: the decision, 0 N, 1 A, 2 O, 3 no finding (a silent recording).</summary>
    public static int[][] Confusion(IEnumerable<ChallengeRecording> recordings, Func<double, double, double, int> decide)
    {
        var confusion = NewConfusion();
        foreach (var r in recordings) confusion[r.Truth][r.Silent ? ChallengeRecording.NoFinding : decide(r.Sinus, r.Af, r.Other)]++;
        return confusion;
    }

    /// <summary>F1 of class <paramref name="c"/> (0 N, 1 A, 2 O) from a confusion matrix; NaN when it neither occurs nor is chosen.</summary>
    public static double F1(int[][] confusion, int c)
    {
        double tp = confusion[c][c], predicted = 0, actual = 0;
        for (int t = 0; t < confusion.Length; t++) predicted += confusion[t][c];
        foreach (int v in confusion[c]) actual += v;
        return predicted + actual == 0 ? double.NaN : 2 * tp / (predicted + actual);
    }

    /// <summary>The challenge's score: the mean F1 of N, A and O.</summary>
    public static double MeanF1(int[][] confusion) => (F1(confusion, 0) + F1(confusion, 1) + F1(confusion, 2)) / 3;

    private static int[][] NewConfusion()
    {
        var confusion = new int[4][];
        for (int t = 0; t < 4; t++) confusion[t] = new int[4];
        return confusion;
    }
}
