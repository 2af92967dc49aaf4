using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using NJsonSchema;

namespace CGDmer.Pipeline.Tests.Interpretation;

/// <summary>Windows, probabilities and a schema check for the interpret tests. Windows are 10 s, hop 10 s by default.</summary>
internal static class Fx
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Hop = TimeSpan.FromSeconds(10);
    // 1 Hz × 10 samples: a 10 s window with a tiny signal buffer (the interpret stage never reads samples).
    public static readonly WindowGeometry Geometry = new(1, 10, Leads.StandardOrder, EcgPreprocessing.Identifier);
    public static readonly Lead[] AllLeads = [.. Leads.StandardOrder];

    public const string Af = "atrial_fibrillation";
    public const string Vt = "ventricular_tachycardia";

    public static ModelMetadata Metadata(double threshold = 0.5, string version = "0.1.0") => new()
    {
        ModelName = "cgdmer-test",
        ModelVersion = version,
        Labels = EcgLabels.All.Select(l => new LabelMetadata(l.Key, l.SnomedCode, l.Display, threshold)).ToList(),
        SampleRateHz = 1,
        WindowSamples = 10,
        Preprocessing = EcgPreprocessing.Identifier,
        EmbeddingDim = 8,
    };

    /// <summary>Options that make the tests' arithmetic obvious: no periodic updates within a test, Δ updates off unless set.</summary>
    public static InterpretationOptions Options(Action<InterpretationOptions>? change = null)
    {
        var o = new InterpretationOptions
        {
            UpdateInterval = TimeSpan.FromHours(1),
            UpdateProbabilityDelta = 1,
            MinUpdateSpacing = TimeSpan.Zero,
            // The fixture's probabilities put sinus rhythm at 1 − p; rhythm arbitration has its own tests.
            ExclusiveRhythms = [],
            // Every window measures 72 bpm; the heart-rate findings (sinus brady-/tachycardia) have their own tests.
            HeartRateFindings = [],
        };
        change?.Invoke(o);
        return o;
    }

    public static int IndexOf(string key) => EcgLabels.All.Select(l => l.Key).ToList().IndexOf(key);

    /// <summary>Probabilities with <paramref name="key"/> at <paramref name="p"/>, sinus rhythm at 1 − p, the rest near 0.</summary>
    public static float[] Probs(string key, float p)
    {
        var probs = new float[EcgLabels.All.Count];
        Array.Fill(probs, 0.01f);
        probs[IndexOf("sinus_rhythm")] = 1 - p;
        probs[IndexOf(key)] = p;
        return probs;
    }

    public static float[] Normal() => Probs(Af, 0.01f);

    public static AnalyzedWindow Window(long index, float[]? probs, string patient = "patient-1", WindowStatus status = WindowStatus.Analyzable,
                                        Lead[]? missing = null, double sqi = 0.9, string device = "monitor-1", string? failure = null,
                                        Lead? analysisLead = Lead.II, TimeSpan? hop = null, double? rateAtEnd = null,
                                        double? sinceLastBeat = null, bool flat = false, double? quiet = null, double beatAgreement = 0)
    {
        var start = T0 + (hop ?? Hop) * index;
        var mask = new float[Geometry.LeadCount];
        Array.Fill(mask, 1f);
        foreach (var l in missing ?? []) mask[Geometry.RowOf(l)] = 0;
        var w = new EcgWindow(patient, device, index, start, Geometry, new float[Geometry.LeadCount * Geometry.WindowSamples], mask,
                              AllLeads, missing ?? [], status == WindowStatus.NoSignal ? 0 : 1, status, 0);
        var m = status == WindowStatus.NoSignal ? WindowMeasurement.None
            : flat ? WindowMeasurement.FlatLine(10)
            : new WindowMeasurement([100, 200], 72, 0.05, sqi, analysisLead) {
                LeadRates = sinceLastBeat is { } since ? [new CGDmer.Signal.Beats.LeadRateAtEnd(1, rateAtEnd, since, sqi, beatAgreement)] : [],
                SecondsQuiet = quiet ?? sinceLastBeat ?? 0, BeatAgreement = beatAgreement,
            };
        return new AnalyzedWindow(w, m, status == WindowStatus.NoSignal || failure is not null ? null : probs, failure);
    }

    /// <summary>
    /// One window per input value: mostly an AF and a VT probability, sometimes a missing lead, a poor, failed, flat or
    /// no-signal window, and a heart rate at the window's end from 30 to 170 /min or a long pause, so that every code
    /// (the heart-rate alarms too) flaps.
    /// </summary>
    public static List<AnalyzedWindow> FlappingWindows(int[] xs, string patient = "patient-1")
    {
        var windows = new List<AnalyzedWindow>(xs.Length);
        for (int i = 0; i < xs.Length; i++)
        {
            uint x = (uint)xs[i];
            var probs = Probs(Af, x % 101 / 100f);
            probs[IndexOf(Vt)] = (x / 101) % 101 / 100f;
            Lead[] missing = (x >> 16) % 4 == 0 ? [(Lead)((x >> 18) % 3)] : [];
            double rate = 30 + (x >> 24) % 8 * 20, since = (x >> 27) % 4 == 0 ? 5.0 : 0.6;
            double? shown = since > 3 ? null : rate;
            windows.Add(((x >> 20) % 16) switch
            {
                0 => Window(i, null, patient, WindowStatus.NoSignal),
                1 => Window(i, probs, patient, missing: missing, sqi: 0.2),
                2 => Window(i, null, patient, failure: "x", rateAtEnd: shown, sinceLastBeat: since),
                3 => Window(i, probs, patient, sqi: 0, flat: true),
                _ => Window(i, probs, patient, missing: missing, rateAtEnd: shown, sinceLastBeat: since),
            });
        }
        return windows;
    }

    /// <summary>Runs windows through a fresh interpreter/tracker pair and returns all events, each checked against the schema.</summary>
    public static List<AlertEvent> Run(AlertTracker tracker, IEnumerable<AnalyzedWindow> windows)
    {
        var events = new List<AlertEvent>();
        foreach (var w in windows)
        {
            var got = tracker.Track(w, tracker.Interpreter.Assess(w));
            foreach (var e in got) AssertSchemaValid(e);
            events.AddRange(got);
        }
        return events;
    }

    public static AlertTracker Tracker(InterpretationOptions? options = null, ModelMetadata? metadata = null) =>
        new(new Interpreter(metadata ?? Metadata(), options ?? Options()));

    /// <summary>A sequence of windows for one patient from probabilities of one label (null = a poor-signal window).</summary>
    public static IEnumerable<AnalyzedWindow> Series(string key, IEnumerable<float?> ps, string patient = "patient-1", long first = 0)
    {
        long i = first;
        foreach (var p in ps)
        {
            yield return p is { } v ? Window(i, Probs(key, v), patient) : Window(i, Probs(key, 0.99f), patient, sqi: 0.1);
            i++;
        }
    }

    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromFileAsync(Path.Combine(AppContext.BaseDirectory, "assets", "alert-event.schema.json")).GetAwaiter().GetResult());

    public static void AssertSchemaValid(AlertEvent e)
    {
        string json = AlertEventJson.Serialize(e);
        var errors = Schema.Value.Validate(json);
        Assert.True(errors.Count == 0, $"{json}\n{string.Join("\n", errors.Select(x => x.ToString()))}");
    }
}
