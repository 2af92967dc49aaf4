namespace CGDmer.Signal.Synthesis;

/// <summary>
/// Realistic 12-lead ECG synthesizer: ECGSYN Gaussian-kernel heartbeat model on a 3-D cardiac dipole (Sameni et al.),
/// beat-to-beat RR process with LF/HF variability, rhythm episodes (sinus, AF, flutter, VT, PVCs, pauses),
/// conduction/repolarisation changes, lead-field projection and realistic noise. Deterministic under the seed.
/// Thread-safe (no shared mutable state).
/// </summary>
public static class EcgSynthesizer
{
    private struct VBeat
    {
        public double T;       // fiducial time (s)
        public bool Ectopic;
        public double Rr;      // interval from the previous ventricular beat (s)
        public int Episode;
    }

    private sealed class Schedule
    {
        public readonly List<VBeat> Beats = new();
        public readonly List<double> PWaves = new();          // P-wave centre times
        public readonly List<(double Start, double End, double F0)> Fibrillation = new();
        public readonly List<(double Start, double End, double Hz)> Flutter = new();
        public readonly List<(double From, double To)> Pauses = new();
    }

    private sealed record EpisodePlan(RhythmKind Kind, double Start, double End, double Rate);

    public static SyntheticEcg Generate(SynthesisRequest request, int seed)
    {
        if (request.DurationSeconds <= 0 || request.SampleRateHz < 50)
            throw new ArgumentOutOfRangeException(nameof(request), "Duration must be > 0 and sample rate >= 50 Hz.");
        var root = new SynthRandom(seed);
        var rngResolve = root.Fork();
        var rngMorph = root.Fork();
        var rngRhythm = root.Fork();
        var rngNoise = root.Fork();
        var rngReport = root.Fork();

        double fs = request.SampleRateHz, dur = request.DurationSeconds;
        int n = (int)Math.Round(dur * fs);

        // ---- resolve request ----
        var req = request;
        if (req.LvhStrain)
            req = req with { Lvh = true, StDepression = req.StDepression ?? Territory.Lateral, TInversion = req.TInversion ?? Territory.Lateral };
        var plans = PlanEpisodes(req, rngResolve);
        req = req with
        {
            Episodes = plans.Select(p => new RhythmEpisodeSpec(p.Kind, p.End - p.Start, p.Rate)).ToArray(),
            RateBpm = plans.Count == 1 ? plans[0].Rate : req.RateBpm,
        };

        // ---- patient ----
        var patient = Patient.Create(rngMorph, req);
        ApplyRepolarisation(patient, req, rngMorph);
        double sinusRate = plans.FirstOrDefault(p => IsSinus(p.Kind))?.Rate ?? rngMorph.Uniform(60, 95);
        double lfhf = rngMorph.Uniform(0.5, 2.0);
        double rrStdFrac = rngMorph.Uniform(0.012, 0.03);

        // ---- rhythm ----
        var sched = BuildSchedule(req, plans, patient, rngRhythm, dur, lfhf, rrStdFrac, out var pvcForced);

        // ---- render dipole ----
        var scratch = Scratch.Current;
        var dx = scratch.Zeroed(0, n); var dy = scratch.Zeroed(1, n); var dz = scratch.Zeroed(2, n);
        double invFs = 1 / fs;
        foreach (var pt in sched.PWaves)
            foreach (var w in patient.PWave) AddWave(dx, dy, dz, fs, pt, w, 1, 0);
        foreach (var b in sched.Beats) RenderBeat(dx, dy, dz, fs, patient, b);
        foreach (var (s, e, f0) in sched.Fibrillation) RenderFibrillation(dx, dy, dz, fs, s, e, f0, patient.FibrillationVector, rngRhythm);
        foreach (var (s, e, hz) in sched.Flutter) RenderFlutter(dx, dy, dz, fs, s, e, hz, patient.FlutterVector, rngRhythm.Uniform(0.12, 0.25));

        // respiratory modulation of the dipole amplitude (ECG-derived respiration)
        double respPhase = rngMorph.Uniform(0, 2 * Math.PI), respDepth = rngMorph.Uniform(0.01, 0.03);
        double wResp = 2 * Math.PI * patient.RespHz * invFs;
        {
            var mod = scratch.Zeroed(21, n);
            Oscillator.Add(mod, respDepth, wResp, respPhase);
            for (int i = 0; i < n; i++) { double m = 1 + mod[i]; dx[i] *= m; dy[i] *= m; dz[i] *= m; }
        }

        // ---- project onto the 8 independent channels: I, II, V1..V6 ----
        var ch = new double[8][];
        for (int c = 0; c < 8; c++) ch[c] = scratch.Zeroed(3 + c, n);
        var field = patient.Field;
        var lv = new Vec3[8];
        lv[0] = field.LeadI; lv[1] = field.LeadII;
        for (int k = 0; k < 6; k++) lv[2 + k] = field.Precordial[k];
        for (int c = 0; c < 8; c++)
        {
            var v = lv[c]; var o = ch[c];
            for (int i = 0; i < n; i++) o[i] = v.X * dx[i] + v.Y * dy[i] + v.Z * dz[i];
        }

        // ---- noise, gains, lead-off ----
        var leadOff = new List<LeadOffInterval>();
        NoiseModel.Apply(ch, fs, req.Noise, patient.RespHz, rngNoise, leadOff);

        // ---- 12-lead record (derived limb leads computed exactly from I and II) ----
        var leads = new float[12][];
        for (int l = 0; l < 12; l++) leads[l] = new float[n];
        var lI = leads[0]; var lII = leads[1];
        for (int i = 0; i < n; i++) { lI[i] = (float)ch[0][i]; lII[i] = (float)ch[1][i]; }
        for (int k = 0; k < 6; k++) { var o = leads[6 + k]; var src = ch[2 + k]; for (int i = 0; i < n; i++) o[i] = (float)src[i]; }
        DeriveLimbLeads(lI, lII, leads[2], leads[3], leads[4], leads[5]);
        var channels = new EcgChannel[12];
        for (int l = 0; l < 12; l++) channels[l] = new EcgChannel(((Lead)l).ToString(), (Lead)l, leads[l]);
        var record = new EcgRecord(req.Id ?? $"synth-{seed}", fs, channels);

        // ---- annotations, labels, measurements ----
        var beats = new List<BeatAnnotation>();
        var conductedClass = req.BundleBranchBlock switch
        {
            BundleBranchBlock.Left => BeatClass.LeftBundleBranchBlock,
            BundleBranchBlock.Right => BeatClass.RightBundleBranchBlock,
            _ => BeatClass.Normal,
        };
        int pvcCount = 0, conductedInWindow = 0;
        foreach (var b in sched.Beats)
        {
            int s = (int)Math.Round(b.T * fs);
            if (s < 0 || s >= n) continue;
            bool inVt = plans[b.Episode].Kind == RhythmKind.VentricularTachycardia;
            beats.Add(new BeatAnnotation(s, b.Ectopic ? BeatClass.Ventricular : conductedClass));
            if (b.Ectopic && !inVt) pvcCount++;
            if (!b.Ectopic) conductedInWindow++;
        }

        var intervals = new List<LabelledInterval>();
        var episodes = new List<ResolvedEpisode>();
        for (int e = 0; e < plans.Count; e++)
        {
            var p = plans[e];
            int s0 = Math.Clamp((int)Math.Round(p.Start * fs), 0, n), s1 = Math.Clamp((int)Math.Round(p.End * fs), 0, n);
            if (e == plans.Count - 1) s1 = n;
            if (e == 0) s0 = 0;
            if (s1 <= s0) continue;
            EcgLabel label;
            double rate = p.Rate;
            switch (p.Kind)
            {
                case RhythmKind.AtrialFibrillation: label = EcgLabels.AtrialFibrillation; rate = MeasuredRate(sched, e, p.Rate); break;
                case RhythmKind.AtrialFlutter: label = EcgLabels.AtrialFlutter; break;
                case RhythmKind.VentricularTachycardia: label = EcgLabels.VentricularTachycardia; rate = MeasuredRate(sched, e, p.Rate); break;
                case RhythmKind.SinusArrest: label = EcgLabels.SinusPause; break;
                default:
                    rate = MeasuredRate(sched, e, p.Rate);
                    label = rate < 60 ? EcgLabels.SinusBradycardia : rate > 100 ? EcgLabels.SinusTachycardia : EcgLabels.SinusRhythm;
                    break;
            }
            episodes.Add(new ResolvedEpisode(p.Kind, rate, s0, s1, label));
            if (p.Kind != RhythmKind.SinusArrest) intervals.Add(new LabelledInterval(label, s0, s1));
        }
        foreach (var (from, to) in sched.Pauses)
        {
            int s0 = Math.Max(0, (int)Math.Round(from * fs)), s1 = Math.Min(n, (int)Math.Round(to * fs));
            if (s1 > s0) intervals.Add(new LabelledInterval(EcgLabels.SinusPause, s0, s1));
        }
        foreach (var b in sched.Beats)
        {
            if (!b.Ectopic || plans[b.Episode].Kind == RhythmKind.VentricularTachycardia) continue;
            int s0 = (int)Math.Round((b.T - 0.1) * fs), s1 = (int)Math.Round((b.T + 0.4) * fs);
            if (b.T * fs >= 0 && b.T * fs < n) intervals.Add(new LabelledInterval(EcgLabels.PrematureVentricularContractions, Math.Max(0, s0), Math.Min(n, s1)));
        }
        // morphology labels apply where conducted complexes are present
        var morph = new List<EcgLabel>();
        if (req.BundleBranchBlock == BundleBranchBlock.Left) morph.Add(EcgLabels.LeftBundleBranchBlock);
        if (req.BundleBranchBlock == BundleBranchBlock.Right) morph.Add(EcgLabels.RightBundleBranchBlock);
        if (req.StElevation is not null) morph.Add(EcgLabels.StElevation);
        if (req.StDepression is not null) morph.Add(EcgLabels.StDepression);
        if (req.TInversion is not null) morph.Add(EcgLabels.TWaveInversion);
        if (req.Lvh) morph.Add(EcgLabels.LeftVentricularHypertrophy);
        if (req.LowVoltage) morph.Add(EcgLabels.LowQrsVoltage);
        if (conductedInWindow > 0)
            foreach (var ep in episodes)
                if (ep.Kind != RhythmKind.VentricularTachycardia && ep.Kind != RhythmKind.SinusArrest)
                    foreach (var m in morph) intervals.Add(new LabelledInterval(m, ep.StartSample, ep.EndSample));

        var labels = new List<EcgLabel>();
        foreach (var l in EcgLabels.All)
            if (intervals.Any(iv => iv.Label == l)) labels.Add(l);

        // measurements
        double meanRr = 0; int rrCount = 0;
        for (int i = 1; i < beats.Count; i++)
        {
            double rr = (beats[i].Sample - beats[i - 1].Sample) / fs;
            if (rr > 2.0 && beats.Count > 3) continue; // pauses do not define the rate
            meanRr += rr; rrCount++;
        }
        meanRr = rrCount > 0 ? meanRr / rrCount : 60 / sinusRate;
        bool anyConducted = sched.Beats.Any(b => !b.Ectopic);
        var tpl = anyConducted ? patient.Conducted : patient.Ectopic;
        double qt = patient.Qt(meanRr) + (anyConducted ? 0 : 0.04);
        bool hasP = plans.Any(p => IsSinus(p.Kind));
        double? atrialRate = plans.FirstOrDefault(p => p.Kind == RhythmKind.AtrialFlutter)?.Rate;
        if (atrialRate is null && hasP) atrialRate = sinusRate;
        var meas = new EcgMeasurements(
            HeartRateBpm: 60 / meanRr,
            AtrialRateBpm: atrialRate,
            QrsDurationMs: (tpl.JPoint - tpl.QrsOnset) * 1000,
            PrIntervalMs: hasP ? patient.Pr(meanRr) * 1000 : null,
            QtIntervalMs: qt * 1000,
            QtcMs: (qt + 0.154 * (1 - meanRr)) * 1000, // Framingham correction (Bazett over-corrects at fast rates)
            AxisDegrees: patient.AxisDegrees,
            JPointAfterRMs: patient.Conducted.JPoint * 1000,
            SokolowLyonMv: patient.SokolowLyon,
            LimbQrsAmplitudeMv: patient.LimbAmplitude,
            VentricularBeats: beats.Count,
            PvcCount: pvcCount);

        var patientParams = new PatientParameters(sinusRate, patient.AxisDegrees, patient.QrsScale, patient.TScale, patient.PScale,
            patient.QtcSeconds, patient.PrSeconds, patient.RespHz, lfhf, rrStdFrac * 60 / sinusRate);

        string report = "";
        if (req.WriteReport)
        {
            var facts = new ReportFacts
            {
                Labels = labels,
                HeartRateBpm = meas.HeartRateBpm,
                QrsDurationMs = meas.QrsDurationMs,
                AxisDegrees = meas.AxisDegrees,
                PrIntervalMs = meas.PrIntervalMs,
                QtcMs = meas.QtcMs,
                AtrialRateBpm = plans.Any(p => p.Kind == RhythmKind.AtrialFlutter) ? atrialRate : null,
                PvcCount = pvcCount,
                PvcPattern = req.Pvc?.Pattern,
                StElevationTerritory = req.StElevation,
                StDepressionTerritory = req.StDepression,
                TInversionTerritory = req.TInversion,
                LeadOff = leadOff.Select(l => l.Lead).Distinct().ToArray(),
                Noisy = req.Noise.MuscleMv > 0.05 || req.Noise.BaselineWanderMv > 0.3 || req.Noise.ElectrodeMotionMv > 0.5,
            };
            report = ReportWriter.Write(facts, rngReport);
        }

        return new SyntheticEcg
        {
            Record = record, Labels = labels, Intervals = intervals, Beats = beats, LeadOff = leadOff,
            Measurements = meas, Patient = patientParams, Request = req, Episodes = episodes, Seed = seed, Report = report,
        };
    }

    /// <summary>III = II − I, aVR = −(I + II)/2, aVL = I − II/2, aVF = II − I/2.</summary>
    public static void DeriveLimbLeads(ReadOnlySpan<float> i1, ReadOnlySpan<float> i2, Span<float> iii, Span<float> avr, Span<float> avl, Span<float> avf)
    {
        for (int i = 0; i < i1.Length; i++)
        {
            float a = i1[i], b = i2[i];
            iii[i] = b - a;
            avr[i] = -(a + b) * 0.5f;
            avl[i] = a - b * 0.5f;
            avf[i] = b - a * 0.5f;
        }
    }

    internal static bool IsSinus(RhythmKind k) => k is RhythmKind.Sinus or RhythmKind.NormalSinus or RhythmKind.SinusBradycardia or RhythmKind.SinusTachycardia;

    private static double MeasuredRate(Schedule s, int episode, double fallback)
    {
        double sum = 0; int c = 0;
        for (int i = 1; i < s.Beats.Count; i++)
        {
            var b = s.Beats[i]; var a = s.Beats[i - 1];
            if (b.Episode != episode || a.Episode != episode || b.Ectopic || a.Ectopic || b.T < 0) continue;
            bool paused = false;
            foreach (var (from, to) in s.Pauses) if (Math.Abs(from - a.T) < 1e-9) paused = true;
            if (paused) continue;
            sum += b.T - a.T; c++;
        }
        return c > 0 ? 60 / (sum / c) : fallback;
    }

    private static double DrawRate(RhythmKind k, SynthRandom rng) => k switch
    {
        RhythmKind.SinusBradycardia => rng.Uniform(38, 55),
        RhythmKind.SinusTachycardia => rng.Uniform(108, 160),
        RhythmKind.AtrialFibrillation => rng.Chance(0.4) ? rng.Uniform(105, 150) : rng.Uniform(62, 100),
        RhythmKind.AtrialFlutter => rng.Uniform(250, 340),
        RhythmKind.VentricularTachycardia => rng.Uniform(140, 220),
        RhythmKind.SinusArrest => 0,
        _ => rng.Uniform(64, 94),
    };

    private static List<EpisodePlan> PlanEpisodes(SynthesisRequest req, SynthRandom rng)
    {
        var specs = req.Episodes ?? [new RhythmEpisodeSpec(req.Rhythm, null, req.RateBpm)];
        var plans = new List<EpisodePlan>();
        double t = 0;
        for (int i = 0; i < specs.Count; i++)
        {
            var s = specs[i];
            double d = s.DurationSeconds ?? Math.Max(0, req.DurationSeconds - t);
            if (s.Kind == RhythmKind.SinusArrest) d = Math.Max(d, 2.0);
            double rate = s.RateBpm ?? DrawRate(s.Kind, rng);
            if (s.Kind == RhythmKind.Sinus && s.RateBpm is null) rate = rng.Uniform(64, 94);
            if (s.Kind == RhythmKind.AtrialFlutter && rate < 200) rate = DrawRate(s.Kind, rng);
            var kind = s.Kind;
            plans.Add(new EpisodePlan(kind, t, t + d, rate));
            t += d;
        }
        if (plans.Count == 0) plans.Add(new EpisodePlan(RhythmKind.Sinus, 0, req.DurationSeconds, rng.Uniform(64, 94)));
        return plans;
    }

    private static void ApplyRepolarisation(Patient p, SynthesisRequest req, SynthRandom rng)
    {
        var tpl = p.Conducted;
        var field = p.Field;
        if (req.StElevation is { } ste)
        {
            var dir = Territories.Direction(ste);
            var v = Territories.Calibrated(field, ste, dir, rng.Uniform(0.18, 0.4));
            double min = Territories.MinProjection(field, ste, v);
            if (min < 0.13) v = Math.Min(3, 0.13 / Math.Max(min, 0.02)) * v;
            tpl.St += v;
            // hyperacute T in the same territory
            for (int i = 0; i < tpl.Waves.Count; i++)
                if (tpl.Waves[i].IsT) { var w = tpl.Waves[i]; w.Amp += 0.6 * v; tpl.Waves[i] = w; }
        }
        if (req.StDepression is { } std)
        {
            var dir = std == Territory.Diffuse ? new Vec3(0.5, 0.65, 0.35).Unit : Territories.Direction(std);
            var v = Territories.Calibrated(field, std, dir, rng.Uniform(0.15, 0.3));
            double min = Territories.MinProjection(field, std, v);
            if (min < 0.12) v = Math.Min(3, 0.12 / Math.Max(min, 0.02)) * v;
            tpl.St -= v;
        }
        if (req.TInversion is { } ti)
        {
            var u = Territories.Direction(ti);
            // make the T projection on the territory direction negative: depth d (mV) spread over the T kernels
            double depth = rng.Uniform(0.25, 0.55), total = 0;
            foreach (var w in tpl.Waves) if (w.IsT) total += w.Amp.Norm;
            var leads = Territories.LeadsOf(ti);
            double meanGain = leads.Average(l => field.Vector(l).Dot(u));
            for (int i = 0; i < tpl.Waves.Count; i++)
            {
                if (!tpl.Waves[i].IsT) continue;
                var w = tpl.Waves[i];
                double share = w.Amp.Norm / Math.Max(total, 1e-9);
                double proj = w.Amp.Dot(u);
                w.Amp -= (proj + share * depth / Math.Max(meanGain, 0.3)) * u;
                tpl.Waves[i] = w;
            }
        }
    }

    private static Schedule BuildSchedule(SynthesisRequest req, List<EpisodePlan> plans, Patient patient, SynthRandom rng,
        double dur, double lfhf, double rrStdFrac, out bool pvcForced)
    {
        var s = new Schedule();
        pvcForced = false;
        double lastR = -rng.Uniform(0.9, 1.6);
        bool lastWasSinus = false;
        // pauses: choose times inside sinus episodes, away from the record edges
        var pauseAt = new List<double>();
        for (int k = 0; k < req.Pauses; k++)
        {
            var sinusPlans = plans.Where(p => IsSinus(p.Kind) && Math.Min(p.End, dur) - Math.Max(p.Start, 0) > 3.5).ToList();
            if (sinusPlans.Count == 0) break;
            var p = sinusPlans[rng.Int(0, sinusPlans.Count)];
            double lo = Math.Max(p.Start, 0) + 0.6, hi = Math.Min(p.End, dur) - 3.0;
            if (hi > lo) pauseAt.Add(rng.Uniform(lo, hi));
        }
        pauseAt.Sort();
        int pauseIdx = 0;

        for (int e = 0; e < plans.Count; e++)
        {
            var p = plans[e];
            double end = e == plans.Count - 1 ? Math.Max(p.End, dur) + 1.5 : p.End;
            double meanRr = p.Rate > 0 ? 60 / p.Rate : 1;
            switch (p.Kind)
            {
                case RhythmKind.SinusArrest:
                    lastWasSinus = false;
                    s.Pauses.Add((lastR, p.End));
                    // next episode starts exactly at the end of the arrest
                    lastR = p.End - (e + 1 < plans.Count ? 60 / Math.Max(plans[e + 1].Rate, 30) : 1);
                    break;
                case RhythmKind.AtrialFibrillation:
                {
                    double sigma = rng.Uniform(0.16, 0.28);
                    s.Fibrillation.Add((p.Start - (e == 0 ? 2 : 0), end, rng.Uniform(4.5, 8.5)));
                    double t = lastR;
                    while (true)
                    {
                        double rr = Math.Clamp(meanRr * Math.Exp(sigma * rng.Gaussian() - sigma * sigma / 2), 0.3, 2.2);
                        t += rr;
                        if (t >= end) break;
                        s.Beats.Add(new VBeat { T = t, Rr = rr, Episode = e });
                    }
                    if (s.Beats.Count > 0) lastR = s.Beats[^1].T;
                    lastWasSinus = false;
                    break;
                }
                case RhythmKind.AtrialFlutter:
                {
                    double hz = p.Rate / 60, period = 1 / hz;
                    double fStart = p.Start - (e == 0 ? 2 : 0);
                    s.Flutter.Add((fStart, end, hz));
                    double av = rng.Uniform(0.2, 0.28);
                    int[] ratios = req.FlutterConduction switch
                    {
                        FlutterConduction.TwoToOne => [2],
                        FlutterConduction.ThreeToOne => [3],
                        FlutterConduction.FourToOne => [4],
                        _ => [2, 2, 3, 4, 4],
                    };
                    int ratio = ratios[rng.Int(0, ratios.Length)];
                    // first conducted F wave after the refractory period of the last beat
                    int j = (int)Math.Ceiling((lastR + 0.3 - av - fStart) / period);
                    if (j < 0) j = 0;
                    while (true)
                    {
                        double t = fStart + j * period + av;
                        if (t >= end) break;
                        s.Beats.Add(new VBeat { T = t, Rr = t - lastR, Episode = e });
                        lastR = t;
                        if (req.FlutterConduction == FlutterConduction.Variable && rng.Chance(0.35)) ratio = ratios[rng.Int(0, ratios.Length)];
                        j += ratio;
                    }
                    lastWasSinus = false;
                    break;
                }
                case RhythmKind.VentricularTachycardia:
                {
                    double t = lastR;
                    while (true)
                    {
                        double rr = meanRr * (1 + 0.015 * rng.Gaussian());
                        t += rr;
                        if (t >= end) break;
                        s.Beats.Add(new VBeat { T = t, Rr = rr, Ectopic = true, Episode = e });
                    }
                    if (s.Beats.Count > 0) lastR = s.Beats[^1].T;
                    // AV dissociation: sinus P waves march through at their own rate
                    double pRr = 60 / rng.Uniform(60, 100), tp = p.Start - (e == 0 ? 1.5 : 0) + rng.Uniform(0, pRr);
                    for (; tp < end; tp += pRr * (1 + 0.02 * rng.Gaussian())) s.PWaves.Add(tp);
                    lastWasSinus = false;
                    break;
                }
                default:
                {
                    var tach = new Tachogram(rng, meanRr, meanRr * rrStdFrac * Math.Min(1.0, meanRr), rng.Uniform(0.08, 0.12), patient.RespHz, lfhf);
                    double t = lastR + (lastWasSinus ? tach.At(lastR) : meanRr);
                    while (t < end)
                    {
                        double rr = t - lastR;
                        s.Beats.Add(new VBeat { T = t, Rr = rr, Episode = e });
                        s.PWaves.Add(t - patient.PCentreBeforeR(rr));
                        lastR = t;
                        double next = tach.At(t);
                        if (pauseIdx < pauseAt.Count && t + next > pauseAt[pauseIdx])
                        {
                            double pd = rng.Uniform(2.1, 3.4);
                            s.Pauses.Add((t, t + pd));
                            next = pd;
                            pauseIdx++;
                        }
                        t += next;
                    }
                    lastWasSinus = true;
                    break;
                }
            }
        }
        s.Beats.Sort((a, b) => a.T.CompareTo(b.T));
        if (req.Pvc is { } pvc) pvcForced = InsertPvcs(s, plans, pvc, rng, dur);
        // recompute RR after insertions
        for (int i = 1; i < s.Beats.Count; i++) { var b = s.Beats[i]; b.Rr = b.T - s.Beats[i - 1].T; s.Beats[i] = b; }
        if (s.Beats.Count > 0) { var b0 = s.Beats[0]; if (b0.Rr <= 0) b0.Rr = 0.8; s.Beats[0] = b0; }
        return s;
    }

    private static bool InsertPvcs(Schedule s, List<EpisodePlan> plans, PvcSpec pvc, SynthRandom rng, double dur)
    {
        var beats = s.Beats;
        var eligible = new List<int>();
        for (int i = 1; i < beats.Count; i++)
        {
            var a = beats[i - 1]; var b = beats[i];
            if (a.Ectopic || b.Ectopic || a.Episode != b.Episode) continue;
            var k = plans[b.Episode].Kind;
            if (k is RhythmKind.VentricularTachycardia or RhythmKind.SinusArrest) continue;
            if (b.T - a.T > 1.8) continue; // after a pause
            if (b.T < 0.15 || a.T > dur - 0.5) continue;
            eligible.Add(i);
        }
        if (eligible.Count == 0) return false;
        double burden = Math.Clamp(pvc.Burden, 0.01, 0.5);
        var chosen = new List<(int Slot, int Count)>();
        int phase = rng.Int(0, 3), lastChosen = -10;
        for (int q = 0; q < eligible.Count; q++)
        {
            int i = eligible[q];
            bool pick = pvc.Pattern switch
            {
                PvcPattern.Bigeminy => (q + phase) % 2 == 0,
                PvcPattern.Trigeminy => (q + phase) % 3 == 0,
                PvcPattern.Couplets => i - lastChosen > 3 && rng.Chance(burden / 2),
                _ => i - lastChosen > 1 && rng.Chance(burden),
            };
            if (pick) { chosen.Add((i, pvc.Pattern == PvcPattern.Couplets ? 2 : 1)); lastChosen = i; }
        }
        bool forced = false;
        if (!chosen.Any(c => beats[c.Slot].T > 0 && beats[c.Slot].T < dur - 0.3))
        {
            var inside = eligible.Where(i => beats[i].T > 0.3 && beats[i].T < dur - 0.6).ToList();
            if (inside.Count == 0) return false;
            chosen.Add((inside[inside.Count / 2], pvc.Pattern == PvcPattern.Couplets ? 2 : 1));
            forced = true;
        }
        var remove = new HashSet<int>();
        var add = new List<VBeat>();
        foreach (var (slot, count) in chosen)
        {
            var prev = beats[slot - 1];
            double rr = beats[slot].T - prev.T;
            double coupling = Math.Max(rng.Uniform(0.55, 0.72) * rr, 0.32);
            double tv = prev.T + coupling, last = tv;
            add.Add(new VBeat { T = tv, Ectopic = true, Episode = prev.Episode });
            for (int c = 1; c < count; c++)
            {
                last += Math.Max(coupling * rng.Uniform(0.85, 1.0), 0.3);
                add.Add(new VBeat { T = last, Ectopic = true, Episode = prev.Episode });
            }
            for (int i = slot; i < beats.Count && beats[i].T < last + Math.Max(0.5 * rr, 0.35); i++) remove.Add(i);
        }
        var kept = new List<VBeat>();
        for (int i = 0; i < beats.Count; i++) if (!remove.Contains(i)) kept.Add(beats[i]);
        kept.AddRange(add);
        kept.Sort((a, b) => a.T.CompareTo(b.T));
        beats.Clear(); beats.AddRange(kept);
        return forced;
    }

    private static void RenderBeat(double[] dx, double[] dy, double[] dz, double fs, Patient p, in VBeat b)
    {
        var tpl = b.Ectopic ? p.Ectopic : p.Conducted;
        double rr = Math.Clamp(b.Rr, 0.25, 2.5);
        double qtTemplate = tpl.TEnd - tpl.QrsOnset;
        double qt = p.Qt(rr) + (b.Ectopic ? 0.04 : 0);
        double k = Math.Clamp(qt / qtTemplate, 0.55, 1.5);
        double tMain = 0;
        double best = 0;
        foreach (var w in tpl.Waves)
        {
            if (w.IsT)
            {
                AddWave(dx, dy, dz, fs, b.T + tpl.QrsOnset, w, k, tpl.QrsOnset);
                if (w.Amp.Norm > best) { best = w.Amp.Norm; tMain = tpl.QrsOnset + (w.Centre - tpl.QrsOnset) * k; }
            }
            else AddWave(dx, dy, dz, fs, b.T, w, 1, 0);
        }
        if (tpl.St.Norm > 1e-6)
        {
            // ST plateau: rises at the J point, merges into the T wave and returns to baseline after T
            double tJ = b.T + tpl.JPoint, tEnd = b.T + tMain + 0.04 * k;
            int i0 = Math.Max(0, (int)Math.Ceiling((tJ - 0.03) * fs)), i1 = Math.Min(dx.Length - 1, (int)Math.Floor((tEnd + 0.2) * fs));
            for (int i = i0; i <= i1; i++)
            {
                double t = i / fs;
                double m = 1 / (1 + Math.Exp(-(t - tJ) / 0.005)) / (1 + Math.Exp(-(tEnd - t) / 0.035));
                dx[i] += m * tpl.St.X; dy[i] += m * tpl.St.Y; dz[i] += m * tpl.St.Z;
            }
        }
    }

    /// <summary>Adds one Gaussian kernel; time scale k stretches its centre (about <paramref name="pivot"/>) and width.</summary>
    private static void AddWave(double[] dx, double[] dy, double[] dz, double fs, double t0, in Wave w, double k, double pivot)
    {
        AddAxis(dx, fs, t0 + (w.Cx - pivot) * k, w.Sx * k, w.Ax);
        AddAxis(dy, fs, t0 + (w.Cy - pivot) * k, w.Sy * k, w.Ay);
        AddAxis(dz, fs, t0 + (w.Cz - pivot) * k, w.Sz * k, w.Az);
    }

    private static void AddAxis(double[] d, double fs, double centre, double sigma, double amp)
    {
        if (amp == 0) return;
        int i0 = Math.Max(0, (int)Math.Ceiling((centre - 4 * sigma) * fs));
        int i1 = Math.Min(d.Length - 1, (int)Math.Floor((centre + 4 * sigma) * fs));
        double inv = 1 / (2 * sigma * sigma), invFs = 1 / fs;
        for (int i = i0; i <= i1; i++)
        {
            double t = i * invFs - centre;
            d[i] += amp * Math.Exp(-t * t * inv);
        }
    }

    private static void RenderFibrillation(double[] dx, double[] dy, double[] dz, double fs, double start, double end, double f0, Vec3 dir, SynthRandom rng)
    {
        int i0 = Math.Max(0, (int)Math.Ceiling(start * fs)), i1 = Math.Min(dx.Length - 1, (int)Math.Floor(end * fs));
        if (i1 < i0) return;
        double amp = rng.Uniform(0.05, 0.13) / Math.Max(0.3, dir.Dot(new Vec3(-0.5, 0, 0.87)));
        const int K = 3;
        Span<double> f = stackalloc double[K], a = stackalloc double[K], ph = stackalloc double[K], wp = stackalloc double[K], wa = stackalloc double[K], fm = stackalloc double[K];
        for (int k = 0; k < K; k++)
        {
            f[k] = f0 * (k == 0 ? 1 : rng.Uniform(0.8, 1.3));
            a[k] = k == 0 ? 1 : rng.Uniform(0.3, 0.6);
            ph[k] = rng.Uniform(0, 2 * Math.PI); wp[k] = rng.Uniform(0, 2 * Math.PI); wa[k] = rng.Uniform(0, 2 * Math.PI);
            fm[k] = rng.Uniform(0.1, 0.4);
        }
        double norm = amp / (1 + a[1] + a[2]) * 1.6, nyq = 0.45 * fs, invFs = 1 / fs;
        for (int i = i0; i <= i1; i++)
        {
            double t = i * invFs, v = 0;
            for (int k = 0; k < K; k++)
            {
                double fi = f[k] * (1 + 0.12 * Math.Sin(2 * Math.PI * fm[k] * t + wp[k]));
                if (fi >= nyq) continue;
                ph[k] += 2 * Math.PI * fi * invFs;
                v += a[k] * (1 + 0.5 * Math.Sin(2 * Math.PI * 0.7 * fm[k] * t + wa[k])) * Math.Sin(ph[k]);
            }
            v *= norm;
            dx[i] += v * dir.X; dy[i] += v * dir.Y; dz[i] += v * dir.Z;
        }
    }

    private static void RenderFlutter(double[] dx, double[] dy, double[] dz, double fs, double start, double end, double hz, Vec3 dir, double ampMv)
    {
        int i0 = Math.Max(0, (int)Math.Ceiling(start * fs)), i1 = Math.Min(dx.Length - 1, (int)Math.Floor(end * fs));
        int harmonics = Math.Min(6, (int)Math.Floor(0.45 * fs / hz));
        if (harmonics < 1 || i1 < i0) return;
        // smoothed sawtooth (Fourier series with Lanczos sigma factors): slow ramp, fast return
        double scale = ampMv / 1.5 / Math.Max(0.3, Math.Abs(dir.Dot(new Vec3(0.5, 0.866, 0))));
        double invFs = 1 / fs;
        for (int i = i0; i <= i1; i++)
        {
            double phi = 2 * Math.PI * hz * (i * invFs - start), v = 0;
            for (int h = 1; h <= harmonics; h++)
            {
                double x = Math.PI * h / (harmonics + 1);
                double sigma = Math.Sin(x) / x;
                v += ((h & 1) == 1 ? 1 : -1) * sigma * Math.Sin(h * phi) / h;
            }
            v *= scale;
            dx[i] += v * dir.X; dy[i] += v * dir.Y; dz[i] += v * dir.Z;
        }
    }
}
