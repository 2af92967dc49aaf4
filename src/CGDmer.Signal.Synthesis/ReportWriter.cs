using System.Globalization;
using System.Text;

namespace CGDmer.Signal.Synthesis;

/// <summary>What a report may say. Only <see cref="Labels"/> is required; every other fact is optional.</summary>
public sealed record ReportFacts
{
    public IReadOnlyCollection<EcgLabel> Labels { get; init; } = Array.Empty<EcgLabel>();
    public double? HeartRateBpm { get; init; }
    public double? AtrialRateBpm { get; init; }
    public double? QrsDurationMs { get; init; }
    public double? PrIntervalMs { get; init; }
    public double? QtcMs { get; init; }
    public double? AxisDegrees { get; init; }
    public int? PvcCount { get; init; }
    public PvcPattern? PvcPattern { get; init; }
    public Territory? StElevationTerritory { get; init; }
    public Territory? StDepressionTerritory { get; init; }
    public Territory? TInversionTerritory { get; init; }
    public IReadOnlyCollection<Lead>? LeadOff { get; init; }
    public bool Noisy { get; init; }
}

/// <summary>
/// Writes free-text ECG reports in varied clinical phrasing (cardiologist read, telemetry/ICU nurse note, structured
/// machine-style, terse abbreviations), with synonyms, abbreviations, negations of absent findings, optional measurements,
/// and varied order and punctuation. Deterministic for a given seed. Works from a label set alone (e.g. MIT-BIH windows).
/// </summary>
public static class ReportWriter
{
    private enum Style { Formal, Nurse, Structured, Terse, Machine }

    public static string Write(ReportFacts facts, int seed) => Write(facts, new SynthRandom(SynthRandom.Derive(seed, 0x5EED_2E90)));

    public static string Write(IEnumerable<EcgLabel> labels, int seed, double? heartRateBpm = null) =>
        Write(new ReportFacts { Labels = labels.ToArray(), HeartRateBpm = heartRateBpm }, seed);

    public static string Write(IEnumerable<string> labelKeys, int seed, double? heartRateBpm = null) =>
        Write(labelKeys.Select(EcgLabels.ByKey), seed, heartRateBpm);

    internal static string Write(ReportFacts f, SynthRandom rng)
    {
        var w = new Writer(f, rng);
        return w.Build();
    }

    private sealed class Writer(ReportFacts f, SynthRandom rng)
    {
        private readonly HashSet<string> _keys = f.Labels.Select(l => l.Key).ToHashSet();
        private Style _style;
        private bool Has(EcgLabel l) => _keys.Contains(l.Key);
        private string P(params string[] options) => options[rng.Int(0, options.Length)];
        private bool Coin(double p = 0.5) => rng.Chance(p);
        private bool Abbrev => _style is Style.Nurse or Style.Terse;

        public string Build()
        {
            _style = (Style)rng.Int(0, 5);
            string rhythm = RhythmPhrase();
            var findings = new List<string>();
            string? ectopy = EctopyPhrase();
            string? pause = PausePhrase();
            if (ectopy is not null && rng.Chance(0.5) && _style != Style.Structured) { rhythm += P(" with ", " w/ ", ", ") + ectopy; ectopy = null; }
            if (pause is not null) findings.Add(pause);
            if (ectopy is not null) findings.Add(Cap(ectopy));
            AddIf(findings, ConductionPhrase());
            AddIf(findings, VoltagePhrase());
            foreach (var s in StTPhrases()) findings.Add(s);
            var measurements = MeasurementPhrases();
            var negations = NegationPhrases();
            var technical = TechnicalPhrases();

            string text = _style switch
            {
                Style.Structured => Structured(rhythm, findings, measurements, negations, technical),
                _ => Prose(rhythm, findings, measurements, negations, technical),
            };
            if (_style == Style.Machine) text = text.ToUpperInvariant();
            else if (_style == Style.Nurse && Coin(0.5)) text = text.ToLowerInvariant();
            return text.Trim();
        }

        private static void AddIf(List<string> l, string? s) { if (!string.IsNullOrEmpty(s)) l.Add(s); }

        private string Prose(string rhythm, List<string> findings, List<string> meas, List<string> neg, List<string> tech)
        {
            var parts = new List<string>();
            string lead = _style switch
            {
                Style.Nurse => P("", "", "Tele: ", "Monitor shows ", "Pt in ", "Strip: ", "Rhythm strip reviewed - ", "On monitor: "),
                Style.Formal => P("", "", "", "The rhythm is ", "ECG shows ", "Tracing demonstrates ", "12-lead ECG: "),
                _ => P("", "", "Rhythm: "),
            };
            parts.Add(lead.Length > 0 && !lead.EndsWith(": ") ? lead + Lower(rhythm) : lead + rhythm);
            var rest = new List<string>(findings);
            Shuffle(rest, keepFirst: false, 0.3);
            parts.AddRange(rest);
            if (meas.Count > 0)
            {
                if (Coin(0.5)) parts.Insert(Math.Min(1, parts.Count), string.Join(P(", ", "; ", ". "), meas));
                else parts.Add(string.Join(P(", ", "; ", ". "), meas));
            }
            parts.AddRange(neg);
            parts.AddRange(tech);
            string sep = _style switch
            {
                Style.Nurse => P(", ", ". ", "; ", " - ", ", "),
                Style.Terse => P("; ", ", ", ". ", " / "),
                Style.Machine => P(". ", "\n", " *** "),
                _ => P(". ", ". ", "; ", ".\n"),
            };
            var sb = new StringBuilder();
            for (int i = 0; i < parts.Count; i++)
            {
                if (parts[i].Length == 0) continue;
                if (sb.Length > 0) sb.Append(sep);
                sb.Append(sep.StartsWith('.') || sep.Contains('\n') ? Cap(parts[i]) : (i == 0 ? Cap(parts[i]) : Lower(parts[i])));
            }
            if (Coin(0.6) && (sep.StartsWith('.') || _style == Style.Formal)) sb.Append('.');
            string? closing = Closing();
            if (closing is not null) sb.Append(sb.Length > 0 && sb[^1] == '.' ? " " : ". ").Append(closing);
            return sb.ToString();
        }

        private string Structured(string rhythm, List<string> findings, List<string> meas, List<string> neg, List<string> tech)
        {
            string nl = P("\n", "; ", " | ");
            var sb = new StringBuilder();
            sb.Append(P("Rhythm: ", "RHYTHM: ", "Rhythm - ")).Append(Cap(rhythm));
            if (f.HeartRateBpm is { } hr && Coin(0.8)) sb.Append(nl).Append(P("Rate: ", "HR: ", "Ventricular rate: ")).Append(Rate(hr, bare: true));
            if (meas.Count > 0) sb.Append(nl).Append(P("Intervals: ", "Measurements: ", "")).Append(string.Join(", ", meas));
            var all = findings.Concat(neg).ToList();
            if (all.Count > 0) sb.Append(nl).Append(P("Findings: ", "Interpretation: ", "Other: ")).Append(string.Join(P("; ", ", ", ". "), all.Select(Lower)));
            if (tech.Count > 0) sb.Append(nl).Append(P("Quality: ", "Technical: ")).Append(string.Join(", ", tech.Select(Lower)));
            sb.Append(nl).Append(P("Impression: ", "Conclusion: ", "IMPRESSION: ")).Append(Impression());
            return sb.ToString();
        }

        private string Impression()
        {
            var items = new List<string> { ShortRhythm() };
            if (Has(EcgLabels.PrematureVentricularContractions)) items.Add(P("PVCs", "ventricular ectopy", "premature ventricular contractions"));
            if (Has(EcgLabels.SinusPause)) items.Add(P("sinus pause", "sinus arrest"));
            if (Has(EcgLabels.LeftBundleBranchBlock)) items.Add(P("LBBB", "left bundle branch block"));
            if (Has(EcgLabels.RightBundleBranchBlock)) items.Add(P("RBBB", "right bundle branch block"));
            if (Has(EcgLabels.StElevation)) items.Add(P("ST elevation", "STE", "acute injury pattern (ST elevation)"));
            if (Has(EcgLabels.StDepression)) items.Add(P("ST depression", "ischemic ST depression"));
            if (Has(EcgLabels.TWaveInversion)) items.Add(P("T wave inversion", "TWI"));
            if (Has(EcgLabels.LeftVentricularHypertrophy)) items.Add(P("LVH", "left ventricular hypertrophy"));
            if (Has(EcgLabels.LowQrsVoltage)) items.Add(P("low voltage", "low QRS voltage"));
            if (items.Count == 1 && IsSinusOnly()) items.Add(P("otherwise normal ECG", "normal ECG", "within normal limits"));
            else if (Coin(0.4)) items.Add(P("abnormal ECG", "abnormal tracing"));
            return string.Join(P(", ", "; ", " + "), items);
        }

        private bool IsSinusOnly() => _keys.All(k => k is "sinus_rhythm" or "sinus_bradycardia" or "sinus_tachycardia");

        private string ShortRhythm()
        {
            if (Has(EcgLabels.VentricularTachycardia)) return P("VT", "ventricular tachycardia");
            if (Has(EcgLabels.AtrialFibrillation)) return P("AF", "atrial fibrillation", "afib");
            if (Has(EcgLabels.AtrialFlutter)) return P("atrial flutter", "AFL");
            if (Has(EcgLabels.SinusBradycardia)) return P("sinus bradycardia", "SB");
            if (Has(EcgLabels.SinusTachycardia)) return P("sinus tachycardia", "sinus tach");
            if (Has(EcgLabels.SinusRhythm)) return P("sinus rhythm", "NSR", "SR");
            return P("rhythm as above", "undetermined rhythm");
        }

        // ---------- rhythm ----------
        private string RhythmPhrase()
        {
            var parts = new List<string>();
            int rhythms = new[] { EcgLabels.AtrialFibrillation, EcgLabels.AtrialFlutter, EcgLabels.SinusRhythm, EcgLabels.SinusBradycardia, EcgLabels.SinusTachycardia, EcgLabels.VentricularTachycardia }.Count(Has);
            double? hr = rhythms > 1 ? null : f.HeartRateBpm; // one overall rate would misdescribe a rhythm change
            if (Has(EcgLabels.AtrialFibrillation)) parts.Add(AfPhrase(hr));
            if (Has(EcgLabels.AtrialFlutter)) parts.Add(FlutterPhrase(hr));
            if (Has(EcgLabels.SinusRhythm)) parts.Add(P("sinus rhythm", "normal sinus rhythm", "NSR", "SR", "regular sinus rhythm", "sinus rhythm") + RateSuffix(hr, 0.5));
            if (Has(EcgLabels.SinusBradycardia))
                parts.Add((hr is < 45 && Coin() ? "marked sinus bradycardia" : P("sinus bradycardia", "sinus brady", "SB", "sinus bradycardia", "slow sinus rhythm (bradycardia)")) + RateSuffix(hr, 0.7));
            if (Has(EcgLabels.SinusTachycardia))
                parts.Add(P("sinus tachycardia", "sinus tach", "sinus tachy", "sinus tachycardia", "rapid sinus rhythm (sinus tachycardia)") + RateSuffix(hr, 0.7));
            if (Has(EcgLabels.VentricularTachycardia))
                parts.Add(P("ventricular tachycardia", "VT", "V-tach", "wide complex tachycardia consistent with VT", "run of ventricular tachycardia",
                    "monomorphic VT", "ventricular tachycardia with AV dissociation", "broad complex tachycardia - VT") + (Has(EcgLabels.SinusRhythm) || Has(EcgLabels.AtrialFibrillation) || Has(EcgLabels.SinusTachycardia) || Has(EcgLabels.SinusBradycardia) ? "" : RateSuffix(hr, 0.6)));
            if (parts.Count == 0)
                return Has(EcgLabels.SinusPause) ? P("sinus rhythm with pauses", "underlying rhythm sinus with arrest") : P("rhythm undetermined", "indeterminate rhythm", "rhythm not clearly identified") + RateSuffix(hr, 0.8);
            if (parts.Count == 1) return parts[0];
            return string.Join(P(" and ", " alternating with ", ", episodes of ", " then "), parts);
        }

        private string AfPhrase(double? hr)
        {
            string core = P("atrial fibrillation", "AF", "afib", "a-fib", "AFib", "atrial fibrillation",
                "irregularly irregular rhythm without discernible P waves (atrial fibrillation)", "atrial fibrillation with fibrillatory baseline",
                "AF - irregularly irregular, no P waves");
            string resp = "";
            if (hr is { } r)
            {
                if (r > 100) resp = P(" with RVR", " with rapid ventricular response", " with RVR", " (uncontrolled)", " w/ RVR");
                else if (r >= 60) resp = P(" with controlled ventricular response", " with controlled VR", ", rate controlled", "", "");
                else resp = P(" with slow ventricular response", " with SVR", "");
            }
            return core + resp + RateSuffix(hr, 0.5);
        }

        private string FlutterPhrase(double? hr)
        {
            string core = P("atrial flutter", "AFL", "a-flutter", "atrial flutter", "typical atrial flutter", "atrial flutter with sawtooth flutter waves", "flutter");
            if (core == "flutter") core = "atrial flutter";
            string block = "";
            if (hr is { } r && f.AtrialRateBpm is { } ar && r > 0)
            {
                int ratio = (int)Math.Round(ar / r);
                if (ratio >= 2 && ratio <= 4) block = P($" with {ratio}:1 conduction", $" with {ratio}:1 AV block", $" ({ratio}:1)", $", {ratio}:1 block");
                else block = P(" with variable block", " with variable AV conduction");
                if (Coin(0.4)) block += P($", flutter waves at {ar:0}/min", $", atrial rate ~{Round10(ar)}", $" (F waves {ar:0} bpm)");
            }
            else if (Coin(0.4)) block = P(" with variable block", " with variable conduction", " with 2:1 conduction");
            return core + block + RateSuffix(hr, 0.4);
        }

        private string RateSuffix(double? hr, double p)
        {
            if (hr is not { } r || !Coin(p)) return "";
            string rate = Rate(r, bare: false);
            if (rate.StartsWith("in the") || rate.StartsWith("HR")) return P(", ", " ", " - ") + rate;
            return P(" at ", " ", ", ", " rate ", " @ ", " at a rate of ") + rate;
        }

        private string Rate(double r, bool bare)
        {
            int v = (int)Math.Round(r);
            return _style switch
            {
                Style.Nurse => P($"{v}", $"{Round10(r)}s", $"in the {Round10(r)}s", $"HR {v}", $"~{v}", $"{v} bpm"),
                _ => bare ? P($"{v} bpm", $"{v}/min", $"{v}") : P($"{v} bpm", $"{v}/min", $"{v} beats per minute", $"{v} bpm"),
            };
        }

        private static int Round10(double r) => (int)(Math.Floor(r / 10) * 10);

        // ---------- ectopy, pauses ----------
        private string? EctopyPhrase()
        {
            if (!Has(EcgLabels.PrematureVentricularContractions)) return null;
            int? c = f.PvcCount;
            string pattern = f.PvcPattern switch
            {
                Synthesis.PvcPattern.Bigeminy => P("ventricular bigeminy", "PVCs in a bigeminal pattern", "bigeminal PVCs", "V-bigeminy"),
                Synthesis.PvcPattern.Trigeminy => P("ventricular trigeminy", "trigeminal PVCs", "PVCs in trigeminy"),
                Synthesis.PvcPattern.Couplets => P("PVC couplets", "couplets of PVCs", "paired PVCs (couplets)", "ventricular couplets"),
                _ => "",
            };
            if (pattern.Length > 0 && Coin(0.75)) return pattern;
            if (c is 1) return P("a single PVC", "one isolated PVC", "an isolated premature ventricular contraction", "single VPB", "1 PVC", "occasional PVC");
            if (c is >= 2 and <= 3) return P("occasional PVCs", "occasional premature ventricular contractions", "a few PVCs", "occasional unifocal PVCs", $"{c} PVCs", "rare VPBs", "occasional ventricular ectopy");
            if (c is > 3) return P("frequent PVCs", "frequent ventricular ectopy", "frequent premature ventricular contractions", "multiple PVCs", $"{c} PVCs on this strip", "frequent VEs", "frequent unifocal PVCs");
            return P("PVCs", "premature ventricular contractions", "ventricular ectopy", "VPBs", "ventricular premature beats", "ventricular ectopic beats", "PVCs noted");
        }

        private string? PausePhrase()
        {
            if (!Has(EcgLabels.SinusPause)) return null;
            return P("sinus pause", "sinus arrest", "pause >2 s noted", "sinus pause of over 2 seconds", "episode of sinus arrest", "pauses up to 3 s",
                "a 2+ second pause", "sinus arrest with a long pause", "sinus pauses");
        }

        // ---------- conduction, voltage ----------
        private string? ConductionPhrase()
        {
            string qrs = f.QrsDurationMs is { } q && Coin(0.5) ? P($" (QRS {q:0} ms)", $", QRSd {q:0} ms", $", QRS {q / 1000:0.00} s") : "";
            if (Has(EcgLabels.LeftBundleBranchBlock))
                return P("left bundle branch block", "LBBB", "complete LBBB", "complete left bundle branch block", "wide QRS with LBBB morphology",
                    "LBBB pattern with broad notched R in I, aVL, V5-V6", "left bundle branch block with secondary ST-T changes") + qrs;
            if (Has(EcgLabels.RightBundleBranchBlock))
                return P("right bundle branch block", "RBBB", "complete RBBB", "complete right bundle branch block", "RBBB pattern",
                    "rsR' in V1 with wide S in I and V6, consistent with RBBB", "right bundle branch block morphology") + qrs;
            return null;
        }

        private string? VoltagePhrase()
        {
            var list = new List<string>();
            if (Has(EcgLabels.LeftVentricularHypertrophy))
            {
                bool strain = Has(EcgLabels.StDepression) && f.StDepressionTerritory is Territory.Lateral or null && Has(EcgLabels.TWaveInversion);
                list.Add(strain
                    ? P("LVH with strain pattern", "left ventricular hypertrophy with repolarization abnormality", "LVH with strain")
                    : P("left ventricular hypertrophy", "LVH", "LVH by voltage criteria", "voltage criteria for LVH", "increased QRS voltage consistent with LVH",
                        "left ventricular hypertrophy (Sokolow-Lyon criteria met)", "prominent precordial voltages meeting LVH criteria"));
            }
            if (Has(EcgLabels.LowQrsVoltage))
                list.Add(P("low voltage QRS", "low QRS voltage in the limb leads", "low voltage", "low-amplitude QRS complexes", "low limb-lead voltage", "diffusely low voltage"));
            return list.Count == 0 ? null : string.Join(P(", ", "; ", " and "), list);
        }

        // ---------- ST / T ----------
        private IEnumerable<string> StTPhrases()
        {
            if (Has(EcgLabels.StElevation))
            {
                var t = f.StElevationTerritory;
                string where = TerritoryText(t);
                string recip = t is not null && Coin(0.5) ? ReciprocalText(t.Value) : "";
                yield return P(
                    $"ST elevation {where}{recip}",
                    $"ST segment elevation {where}{recip}",
                    $"STE {where}{recip}",
                    $"{Cap(TerritoryAdj(t))}ST elevation{recip}",
                    $"ST elevation {where} consistent with acute {TerritoryAdj(t)}injury",
                    $"ST elevations {where}, concerning for {TerritoryAdj(t)}STEMI",
                    $"acute ST elevation {where} - suggest acute MI, clinical correlation") .Replace("  ", " ").Trim();
            }
            if (Has(EcgLabels.StDepression))
            {
                var t = f.StDepressionTerritory;
                string where = TerritoryText(t);
                yield return (t == Territory.Diffuse && Coin()
                    ? P("diffuse ST depression with ST elevation in aVR", "widespread ST depression, ST elevation aVR", "diffuse subendocardial ST depression")
                    : P($"ST depression {where}", $"ST segment depression {where}", $"STD {where}", $"horizontal ST depression {where}",
                        $"downsloping ST depression {where}", $"{Cap(TerritoryAdj(t))}ST depression, consider ischemia",
                        $"ST depression {where}, possibly ischemic")).Replace("  ", " ").Trim();
            }
            if (Has(EcgLabels.TWaveInversion))
            {
                string where = TerritoryText(f.TInversionTerritory);
                yield return P($"T wave inversion {where}", $"inverted T waves {where}", $"TWI {where}", $"T-wave inversions {where}",
                    $"{Cap(TerritoryAdj(f.TInversionTerritory))}T wave inversion", $"deep T wave inversion {where}", $"negative T waves {where}").Replace("  ", " ").Trim();
            }
        }

        private string TerritoryText(Territory? t) => t switch
        {
            Territory.Inferior => P("in the inferior leads", "in II, III and aVF", "inferiorly", "in leads II, III, aVF", "II/III/aVF"),
            Territory.Anterior => P("in the anterior leads", "in V1-V4", "anteriorly", "in leads V1 to V4", "V1-V4", "across the anterior precordium"),
            Territory.Lateral => P("in the lateral leads", "in I, aVL, V5-V6", "laterally", "in leads I, aVL, V5, V6", "I/aVL/V5-6"),
            Territory.Septal => P("in the septal leads", "in V1-V2", "septally", "in leads V1 and V2"),
            Territory.Diffuse => P("diffusely", "in multiple leads", "widespread", "in most leads"),
            _ => P("", "", "in several leads", "in contiguous leads"),
        };

        private string TerritoryAdj(Territory? t) => t switch
        {
            Territory.Inferior => "inferior ",
            Territory.Anterior => P("anterior ", "anteroseptal "),
            Territory.Lateral => P("lateral ", "high lateral "),
            Territory.Septal => "septal ",
            Territory.Diffuse => "diffuse ",
            _ => "",
        };

        private string ReciprocalText(Territory t) => t switch
        {
            Territory.Inferior => P(" with reciprocal ST depression in I and aVL", " with reciprocal changes in aVL", ", reciprocal depression I/aVL"),
            Territory.Anterior => P(" with reciprocal inferior ST depression", " with reciprocal changes inferiorly"),
            Territory.Lateral => P(" with reciprocal ST depression in III and aVF", " with reciprocal inferior changes"),
            _ => "",
        };

        // ---------- measurements, negations, technical ----------
        private List<string> MeasurementPhrases()
        {
            var l = new List<string>();
            if (_style is Style.Nurse && !Coin(0.3)) return l;
            if (f.AxisDegrees is { } ax && Coin(0.5))
            {
                int a = (int)Math.Round(ax);
                if (ax < -30) l.Add(P("left axis deviation", "LAD", $"axis {a}°", $"left axis deviation ({a} deg)"));
                else if (ax > 90) l.Add(P("right axis deviation", "RAD", $"axis +{a}°", $"rightward axis (+{a})"));
                else l.Add(P("normal axis", $"axis {(a >= 0 ? "+" : "")}{a}°", $"normal QRS axis ({(a >= 0 ? "+" : "")}{a})", "axis normal"));
            }
            if (f.PrIntervalMs is { } pr && Coin(0.4)) l.Add(P($"PR {pr:0} ms", $"PR interval {pr:0} ms", $"PR {pr / 1000:0.00} s", "PR interval normal"));
            if (f.QrsDurationMs is { } q && Coin(0.35) && !Has(EcgLabels.LeftBundleBranchBlock) && !Has(EcgLabels.RightBundleBranchBlock))
                l.Add(q >= 120 ? P($"QRS {q:0} ms (wide)", $"wide QRS ({q:0} ms)") : P($"QRS {q:0} ms", $"QRS duration {q:0} ms", "narrow QRS", $"QRSd {q:0}"));
            if (f.QtcMs is { } qtc && Coin(0.35)) l.Add(P($"QTc {qtc:0} ms", $"QTc {qtc:0}", $"corrected QT {qtc:0} ms") + (qtc > 470 ? P(" (prolonged)", " - prolonged", "") : ""));
            return l;
        }

        private List<string> NegationPhrases()
        {
            var l = new List<string>();
            bool sinus = Has(EcgLabels.SinusRhythm) || Has(EcgLabels.SinusBradycardia) || Has(EcgLabels.SinusTachycardia);
            bool anyStt = Has(EcgLabels.StElevation) || Has(EcgLabels.StDepression) || Has(EcgLabels.TWaveInversion);
            if (!anyStt && !Has(EcgLabels.LeftBundleBranchBlock) && !Has(EcgLabels.VentricularTachycardia) && Coin(0.6))
                l.Add(P("no acute ST changes", "no acute ST-T changes", "no ST elevation or depression", "no acute ischemic changes", "ST segments isoelectric",
                    "no STE/STD", "no evidence of acute ischemia", "no significant ST-T abnormality"));
            else if (Has(EcgLabels.StDepression) && !Has(EcgLabels.StElevation) && Coin(0.3))
                l.Add(P("no ST elevation", "no STE", "no STEMI criteria"));
            if (sinus && !Has(EcgLabels.AtrialFibrillation) && !Has(EcgLabels.AtrialFlutter) && Coin(0.3))
                l.Add(P("no evidence of atrial fibrillation", "P waves precede each QRS", "no AF", "regular P waves, no atrial fibrillation or flutter", "upright P waves in II"));
            if (!Has(EcgLabels.PrematureVentricularContractions) && !Has(EcgLabels.VentricularTachycardia) && Coin(0.3))
                l.Add(P("no ectopy", "no ectopic beats", "no PVCs", "no ventricular ectopy seen"));
            if (!Has(EcgLabels.LeftBundleBranchBlock) && !Has(EcgLabels.RightBundleBranchBlock) && !Has(EcgLabels.VentricularTachycardia) && Coin(0.25))
                l.Add(P("narrow QRS", "normal intraventricular conduction", "no bundle branch block", "QRS narrow, no BBB"));
            if (!Has(EcgLabels.SinusPause) && sinus && Coin(0.15)) l.Add(P("no pauses", "no pauses seen"));
            if (!Has(EcgLabels.LeftVentricularHypertrophy) && !Has(EcgLabels.LowQrsVoltage) && Coin(0.1)) l.Add(P("normal voltages", "QRS voltage normal"));
            Shuffle(l, false, 1);
            return l;
        }

        private List<string> TechnicalPhrases()
        {
            var l = new List<string>();
            if (f.LeadOff is { Count: > 0 } off)
            {
                bool limbs = off.Any(x => x <= Lead.aVF);
                var pre = off.Where(x => x >= Lead.V1).Select(x => x.ToString()).ToArray();
                if (limbs) l.Add(P("limb lead off for part of the recording", "limb leads disconnected briefly", "intermittent limb lead-off"));
                if (pre.Length > 0) l.Add(P($"{string.Join("/", pre)} lead off", $"lead {string.Join(", ", pre)} disconnected", $"{string.Join("/", pre)} lost signal"));
            }
            if (f.Noisy && Coin(0.8)) l.Add(P("artifact present", "noisy tracing", "baseline wander and muscle artifact", "limited by artifact", "suboptimal tracing quality"));
            return l;
        }

        private string? Closing()
        {
            if (_style == Style.Formal && Coin(0.35)) return P("Clinical correlation recommended.", "Compare with prior tracings.", "No prior ECG for comparison.", "Confirmed by physician.");
            if (_style == Style.Nurse && Coin(0.35)) return P("MD aware.", "Will continue to monitor.", "Pt asymptomatic.", "Provider notified.", "Will monitor.");
            if (_style == Style.Machine && Coin(0.4)) return P("ABNORMAL ECG", "UNCONFIRMED ANALYSIS", "OTHERWISE NORMAL ECG") is var s && s == "OTHERWISE NORMAL ECG" && !IsSinusOnly() ? "ABNORMAL ECG" : P("ABNORMAL ECG", "UNCONFIRMED ANALYSIS");
            return null;
        }

        private void Shuffle(List<string> l, bool keepFirst, double p)
        {
            if (!Coin(p)) return;
            for (int i = l.Count - 1; i > (keepFirst ? 1 : 0); i--)
            {
                int j = rng.Int(keepFirst ? 1 : 0, i + 1);
                (l[i], l[j]) = (l[j], l[i]);
            }
        }

        private static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

        private static string Lower(string s)
        {
            if (s.Length < 2) return s;
            // keep abbreviations (second letter upper case, e.g. "NSR", "LBBB", "AF") and lead names
            if (char.IsUpper(s[1]) || s[1] == '-' || char.IsDigit(s[1])) return s;
            return char.ToLowerInvariant(s[0]) + s[1..];
        }
    }
}
