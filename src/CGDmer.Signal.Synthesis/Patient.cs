namespace CGDmer.Signal.Synthesis;

/// <summary>A synthetic patient's heart: lead field, P wave, conducted and ectopic ventricular complexes, atrial vectors.</summary>
internal sealed class Patient
{
    public required LeadField Field;
    public required Wave[] PWave;          // relative to the P fiducial (centre)
    public required BeatTemplate Conducted;
    public required BeatTemplate Ectopic;  // PVC / VT focus
    public required Vec3 FibrillationVector;
    public required Vec3 FlutterVector;
    public required double PrSeconds;      // P onset to QRS onset at RR = 1 s
    public required double PCentreToOnset;
    public required double QtcSeconds;
    public required double RespHz;
    public required double AxisShiftDeg;
    public required double QrsScale, TScale, PScale;
    public double SokolowLyon, LimbAmplitude, AxisDegrees;

    /// <summary>QT at RR (Framingham: QT = QTc − 0.154·(1 − RR)).</summary>
    public double Qt(double rr) => QtcSeconds - 0.154 * (1 - Math.Clamp(rr, 0.25, 2.5));

    /// <summary>PR interval at RR (shortens slightly with rate).</summary>
    public double Pr(double rr) => Math.Clamp(PrSeconds + 0.04 * (Math.Clamp(rr, 0.3, 2) - 1), 0.11, 0.24);

    /// <summary>Offset of the P-wave centre before the fiducial point of the conducted beat.</summary>
    public double PCentreBeforeR(double rr) => Pr(rr) - Conducted.QrsOnset - PCentreToOnset;

    public static Patient Create(SynthRandom rng, SynthesisRequest req)
    {
        var field = new LeadField(rng);
        double axisShift = rng.Uniform(-35, 30);
        if (req.Lvh) axisShift -= rng.Uniform(0, 15);
        double qrsScale = rng.Uniform(0.85, 1.3), tScale = rng.Uniform(0.6, 1.05), pScale = rng.Uniform(0.7, 1.15);
        double wScale = rng.Uniform(0.9, 1.1);

        // P wave: right-atrial then left-atrial component (biphasic in V1, upright in II)
        double pw = rng.Uniform(0.014, 0.018);
        var pWave = new[]
        {
            Wave.Make(-0.011, pw, pScale * new Vec3(0.02, 0.12, 0.06).RotateFrontal(rng.Gaussian(0, 8)), jitter: rng),
            Wave.Make(0.011, pw * 1.05, pScale * new Vec3(0.10, 0.06, -0.045).RotateFrontal(rng.Gaussian(0, 8)), jitter: rng),
        };

        var conducted = new BeatTemplate();
        Vec3 R(Vec3 v) => v.RotateFrontal(axisShift);
        var tDir = R(new Vec3(0.30, 0.22, 0.20)).RotateFrontal(rng.Gaussian(0, 10));
        switch (req.BundleBranchBlock)
        {
            case BundleBranchBlock.Left:
            {
                double sep = rng.Uniform(0.022, 0.026), s1 = rng.Uniform(0.017, 0.02), s2 = rng.Uniform(0.017, 0.021);
                conducted.Waves.Add(Wave.Make(-sep, s1, qrsScale * R(new Vec3(0.75, 0.25, -0.55)), jitter: rng));
                conducted.Waves.Add(Wave.Make(sep, s2, qrsScale * rng.Uniform(0.85, 1.1) * R(new Vec3(0.7, 0.05, -0.7)), jitter: rng));
                var qrsMean = R(new Vec3(0.72, 0.15, -0.62)).Unit;
                // secondary (discordant) ST-T
                conducted.Waves.Add(Wave.Make(0.20, 0.06, -tScale * 0.45 * qrsMean, true, rng));
                conducted.Waves.Add(Wave.Make(0.25, 0.045, -tScale * 0.2 * qrsMean, true, rng));
                conducted.St = -0.10 * qrsMean;
                break;
            }
            case BundleBranchBlock.Right:
            {
                AddNormalQrs(conducted, rng, qrsScale, wScale, R, sScale: 0.5);
                double c = rng.Uniform(0.056, 0.064), s = rng.Uniform(0.018, 0.021);
                var rPrime = rng.Uniform(0.65, 1.0) * R(new Vec3(-0.55, -0.05, 0.8));
                conducted.Waves.Add(Wave.Make(c, s, rPrime, jitter: rng));
                conducted.Waves.Add(Wave.Make(0.24, 0.05 * wScale, tScale * tDir - 0.25 * rPrime, true, rng));
                conducted.Waves.Add(Wave.Make(0.28, 0.035 * wScale, tScale * 0.45 * tDir, true, rng));
                break;
            }
            default:
                AddNormalQrs(conducted, rng, qrsScale, wScale, R, sScale: 1);
                conducted.Waves.Add(Wave.Make(0.23, 0.05 * wScale, tScale * tDir, true, rng));
                conducted.Waves.Add(Wave.Make(0.27, 0.035 * wScale, tScale * 0.45 * tDir, true, rng));
                break;
        }
        conducted.UpdateQrsSpan();

        // Ectopic (ventricular) focus: wide bizarre QRS, discordant T, no P
        var ectopic = new BeatTemplate();
        {
            bool lvFocus = rng.Chance(0.5);
            double yDir = rng.Chance(0.5) ? 1 : -1;
            var d1 = (lvFocus ? new Vec3(-0.5, 0.6 * yDir, 0.65) : new Vec3(0.7, 0.5 * yDir, -0.55)).RotateFrontal(rng.Gaussian(0, 15)).Unit;
            var d2 = d1.RotateFrontal(rng.Uniform(-40, 40)) + new Vec3(0, 0, rng.Gaussian(0, 0.2));
            double amp = rng.Uniform(1.3, 2.2);
            double s1 = rng.Uniform(0.02, 0.025), s2 = rng.Uniform(0.02, 0.026);
            ectopic.Waves.Add(Wave.Make(-0.018, s1, amp * d1, jitter: rng));
            ectopic.Waves.Add(Wave.Make(0.032, s2, amp * rng.Uniform(0.5, 0.9) * d2, jitter: rng));
            var mean = (d1 + 0.7 * d2).Unit;
            ectopic.Waves.Add(Wave.Make(0.24, 0.065, -rng.Uniform(0.35, 0.6) * amp * mean, true, rng));
            ectopic.St = -0.12 * amp * mean;
            ectopic.UpdateQrsSpan();
        }

        var afDir = new Vec3(-0.15, 0.45, 0.85).RotateFrontal(rng.Gaussian(0, 10)).Unit;
        var flDir = new Vec3(0.05, -0.8, 0.55).RotateFrontal(rng.Gaussian(0, 8)).Unit;

        var p = new Patient
        {
            Field = field, PWave = pWave, Conducted = conducted, Ectopic = ectopic,
            FibrillationVector = afDir, FlutterVector = flDir,
            PrSeconds = rng.Uniform(0.13, 0.19), PCentreToOnset = 2.5 * pw * 1.05 + 0.011,
            QtcSeconds = rng.Uniform(0.38, 0.44) + (req.BundleBranchBlock != BundleBranchBlock.None ? 0.03 : 0),
            RespHz = rng.Uniform(0.15, 0.33), AxisShiftDeg = axisShift,
            QrsScale = qrsScale, TScale = tScale, PScale = pScale,
        };
        p.Calibrate(rng, req);
        return p;
    }

    private static void AddNormalQrs(BeatTemplate t, SynthRandom rng, double k, double w, Func<Vec3, Vec3> rot, double sScale)
    {
        t.Waves.Add(Wave.Make(-0.028, 0.0065 * w, rng.Uniform(0.1, 0.22) * rot(new Vec3(-0.55, 0.25, 0.8)), jitter: rng));      // septal q
        t.Waves.Add(Wave.Make(-0.009, 0.0095 * w, k * rot(new Vec3(0.45, 0.35, 0.55)), jitter: rng));                          // early anterior-left
        t.Waves.Add(Wave.Make(0.006, 0.0095 * w, k * rot(new Vec3(0.75, 0.55, -0.45)), jitter: rng));                          // main left-posterior
        t.Waves.Add(Wave.Make(0.027, 0.009 * w, sScale * k * rng.Uniform(0.3, 0.55) * rot(new Vec3(-0.45, -0.45, -0.6)), jitter: rng)); // terminal
    }

    /// <summary>Adjusts QRS voltages so the LVH and low-voltage labels are true exactly when requested.</summary>
    private void Calibrate(SynthRandom rng, SynthesisRequest req)
    {
        Measure(Conducted, out double sl, out double limb, out _);
        if (req.LowVoltage)
        {
            double target = rng.Uniform(0.25, 0.4);
            double k = target / limb;
            Conducted.ScaleAll(k); Ectopic.ScaleAll(Math.Max(k, 0.35));
            for (int i = 0; i < PWave.Length; i++) PWave[i].Scale(Math.Max(k, 0.5));
        }
        else if (req.Lvh)
        {
            double target = rng.Uniform(4.0, 5.2);
            Conducted.ScaleQrs(target / sl);
        }
        else
        {
            if (sl > 3.1) Conducted.ScaleQrs(3.0 / sl);
            Measure(Conducted, out sl, out limb, out _);
            if (limb < 0.7) Conducted.ScaleQrs(Math.Min(0.75 / limb, 2.9 / sl));
        }
        Measure(Conducted, out sl, out limb, out double axis);
        SokolowLyon = sl; LimbAmplitude = limb; AxisDegrees = axis;
    }

    /// <summary>Sokolow-Lyon (S V1 + max R V5/V6), maximal limb-lead QRS peak-to-peak, and frontal QRS axis of a template.</summary>
    public void Measure(BeatTemplate t, out double sokolow, out double limbPeakToPeak, out double axisDeg)
    {
        const double step = 0.001;
        int n = (int)(0.3 / step);
        Span<double> minL = stackalloc double[12], maxL = stackalloc double[12];
        minL.Clear(); maxL.Clear();
        double areaI = 0, areaF = 0;
        var vecs = new Vec3[12];
        for (int l = 0; l < 12; l++) vecs[l] = Field.Vector((Lead)l);
        for (int i = 0; i < n; i++)
        {
            double time = -0.15 + i * step;
            Vec3 d = default;
            foreach (var w in t.Waves)
            {
                if (w.IsT) continue;
                d += new Vec3(G(time, w.Cx, w.Sx, w.Ax), G(time, w.Cy, w.Sy, w.Ay), G(time, w.Cz, w.Sz, w.Az));
            }
            for (int l = 0; l < 12; l++)
            {
                double v = vecs[l].Dot(d);
                minL[l] = Math.Min(minL[l], v); maxL[l] = Math.Max(maxL[l], v);
            }
            areaI += vecs[(int)Lead.I].Dot(d); areaF += vecs[(int)Lead.aVF].Dot(d);
        }
        sokolow = -minL[(int)Lead.V1] + Math.Max(maxL[(int)Lead.V5], maxL[(int)Lead.V6]);
        limbPeakToPeak = 0;
        for (int l = 0; l < 6; l++) limbPeakToPeak = Math.Max(limbPeakToPeak, maxL[l] - minL[l]);
        axisDeg = Math.Atan2(areaF / (Math.Sqrt(3) / 2), areaI) * 180 / Math.PI;
    }

    private static double G(double t, double c, double s, double a)
    {
        double d = t - c;
        return a * Math.Exp(-d * d / (2 * s * s));
    }
}
