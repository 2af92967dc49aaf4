using CGDmer.Pipeline.OnnxRuntime;
using Xunit.Abstractions;
using System.Diagnostics;
using System.Text;
using CGDmer.Contracts;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Transports;
using CGDmer.Transports.Kafka;

namespace CGDmer.Pipeline.Tests.Fuzz;

/// <summary>
/// Decode → validate → window stage, one fuzzed input at a time (README.md in this folder). For every input: no exception
/// escapes the decoder (the Kafka source's <see cref="KafkaSegmentSource.Parse"/>, and <see cref="SegmentJson.ParseJson"/>
/// for the JSON form, which may only throw its documented <see cref="FormatException"/>) or the validator; an unreadable
/// message and a rejected segment carry a reason and a message; an accepted segment is processable: the window stage of
/// the shipped model's geometry takes it and forms its windows without an error, with finite samples.
/// </summary>
public sealed class DecodeValidateFuzzTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = SegmentBuilder.Now;

    [Fact]
    public void Every_fuzzed_input_decodes_or_is_unreadable_and_is_accepted_and_windowed_or_rejected_with_a_reason()
    {
        var settings = FuzzSettings.FromEnvironment();
        var validator = new SegmentValidator();
        var geometry = ShippedModel.Geometry;
        // The beat stream on (off by default): its classifiers see every fuzzed signal the validator lets through.
        var windowing = new WindowingOptions { BeatStreamLeads = 2 };
        int maxSegmentBytes = new KafkaOptions().MaxSegmentBytes;

        var unreadable = new Tally();
        var rejected = new Tally();
        var json = new Tally();
        var notes = new Tally();   // accepted, but worth a look (the contract's rules do not refuse them today)
        long accepted = 0, windows = 0, jsonInputs = 0;
        var failures = new List<string>();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < settings.DecodeInputs; i++)
        {
            int seed = settings.Seed + i;
            var input = SegmentFuzzer.Next(seed, Now);
            string stage = "decode";
            try
            {
                var consumed = KafkaSegmentSource.Parse(input.Bytes, new SourcePosition("fuzz", 0, i), maxSegmentBytes);
                if (!consumed.IsReadable)
                {
                    var u = consumed.Unreadable!;
                    if (string.IsNullOrEmpty(u.Reason) || string.IsNullOrEmpty(u.Message))
                        failures.Add($"unreadable without a reason or message ({u.Reason}: {u.Message}); {input.Describe()}");
                    unreadable.Add(u.Reason);
                }
                else
                {
                    stage = "validate";
                    var outcome = Check(validator, consumed.Segment!, geometry, windowing, ref stage, out int formed);
                    if (outcome is null)
                    {
                        accepted++;
                        windows += formed;
                        Note(notes, consumed.Segment!);
                    }
                    else if (outcome.StartsWith('!')) failures.Add($"{outcome[1..]}; {input.Describe()}");
                    else rejected.Add(outcome);
                }

                // The JSON form of the contract (NDJSON replay files): every 8th input also as mutated JSON text.
                if (i % 8 == 0)
                {
                    stage = "json";
                    jsonInputs++;
                    var text = JsonInput(seed);
                    EcgSegment parsed;
                    try { parsed = SegmentJson.ParseJson(text); }
                    catch (FormatException) { json.Add("FormatException"); continue; }
                    stage = "json-validate";
                    var outcome = Check(validator, parsed, geometry, windowing, ref stage, out _);
                    if (outcome is not null && outcome.StartsWith('!')) failures.Add($"json: {outcome[1..]}; seed {seed}, text: {Clip(text)}");
                    json.Add(outcome is null ? "accepted" : "rejected");
                }
            }
            catch (Exception e)
            {
                failures.Add($"escaped from {stage}: {e.GetType().Name}: {e.Message}; {(stage.StartsWith("json") ? $"seed {seed}, text: {Clip(JsonInput(seed))}" : input.Describe())}");
            }
        }
        sw.Stop();

        long inputs = settings.DecodeInputs, readable = inputs - unreadable.Total;
        var summary = new StringBuilder()
            .AppendLine($"fuzz decode+validate: {inputs} inputs (seeds {settings.Seed}..{settings.Seed + inputs - 1}) in {sw.Elapsed.TotalSeconds:F1} s")
            .AppendLine($"  unreadable {unreadable.Total}: {unreadable}")
            .AppendLine($"  decoded {readable}: accepted {accepted} (windowed without error, {windows} windows), rejected {rejected.Total}")
            .AppendLine($"  rejected by reason: {rejected}")
            .AppendLine($"  json form: {jsonInputs} inputs: {json}")
            .AppendLine($"  accepted, worth a look: {notes}")
            .Append($"  escapes and unreasoned outcomes: {failures.Count}")
            .ToString();
        FuzzSettings.Report(output, summary);

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {inputs} fuzzed inputs failed (reproduce one with CGDMER_FUZZ_SEED=<seed> CGDMER_FUZZ_DECODE=1):\n"
            + string.Join("\n", failures.Take(10)));
        if (inputs >= 2000)
        {
            // The generator reaches both outcomes and most of the rules.
            Assert.True(accepted >= inputs / 20, $"only {accepted} of {inputs} accepted");
            Assert.True(rejected.Distinct >= 15, $"only {rejected.Distinct} rejection reasons reached: {rejected}");
            Assert.True(unreadable.Total >= inputs / 50, $"only {unreadable.Total} unreadable");
        }
    }

    private static readonly HashSet<string> UsualLeadNames =
        ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6", "MLII", "MV1", "lead II", "ii", "AVR", "v5", "Lead-V2", "a_V_F", "ML-II"];

    /// <summary>What the validator accepts that a reader may not expect (C1 controls in identifiers, unusual lead names).</summary>
    private static void Note(Tally notes, EcgSegment s)
    {
        static bool C1(string x) => x.AsSpan().IndexOfAnyInRange('\u0080', '\u009f') >= 0;
        static bool Odd(string x) => x.AsSpan().IndexOfAnyInRange('\u0080', '\uffff') >= 0;
        if (C1(s.PatientId) || C1(s.DeviceId)) notes.Add("C1 control in an id");
        else if (Odd(s.PatientId) || Odd(s.DeviceId)) notes.Add("non-ASCII id");
        foreach (var l in s.Leads)
            if (!UsualLeadNames.Contains(l.Lead)) notes.Add($"lead '{SegmentFuzzer.Escape(l.Lead)}'");
    }

    /// <summary>
    /// Validates <paramref name="segment"/>: null when accepted and windowed without error, the rejection code when
    /// rejected with a reason, or '!' and what was wrong.
    /// </summary>
    private static string? Check(SegmentValidator validator, EcgSegment segment, WindowGeometry geometry, WindowingOptions windowing,
                                 ref string stage, out int windows)
    {
        windows = 0;
        var r = validator.Validate(segment, Now);
        if (r is null) return "!the validator returned null";
        if (!r.IsAccepted)
        {
            var why = r.Rejection;
            if (why is null || r.IsNotice) return "!a rejection without a SegmentRejection";
            if (why.Reason == RejectionReason.InternalError || string.IsNullOrWhiteSpace(why.Message))
                return $"!a rejection without a reason: {why}";
            // (Unless another field the message may quote holds the same text: a mutation can copy a value into several fields.)
            if (segment.PatientId.Length > 3 && why.Message.Contains(segment.PatientId, StringComparison.Ordinal)
                && !segment.DeviceId.Contains(segment.PatientId, StringComparison.Ordinal)
                && !segment.Leads.Any(l => l.Lead.Contains(segment.PatientId, StringComparison.Ordinal) || l.Unit.Contains(segment.PatientId, StringComparison.Ordinal)))
                return $"!a rejection message quotes the patient id: {why.Code}";
            return why.Code;
        }
        var data = r.Segment!;
        if (r.Rejection is not null) return "!accepted with a rejection";
        foreach (var l in data.Leads)
        {
            if (l.SamplesMv.Length != data.SampleCount) return $"!accepted lead {l.Lead} has {l.SamplesMv.Length} samples, not {data.SampleCount}";
            foreach (var v in l.SamplesMv) if (!float.IsFinite(v)) return $"!accepted lead {l.Lead} holds a non-finite sample";
        }

        // Processable: the window stage takes it and forms its windows (flushed, so the resampler runs) without an error.
        stage = "window";
        using var windower = new PatientWindower("fuzz", geometry, windowing);
        var formed = new List<EcgWindow>();
        var outcome = windower.Add(data, formed);
        windower.Flush(formed);
        if (outcome == SegmentOutcome.Failed) return "!the window stage failed on an accepted segment";
        string? bad = null;
        foreach (var w in formed)
        {
            for (int row = 0; row < geometry.LeadCount && bad is null; row++)
                foreach (var v in w.Row(row)) if (!float.IsFinite(v)) { bad = $"!window {w} holds a non-finite sample in row {row}"; break; }
            int contextStart = geometry.WindowSamples - CGDmer.Signal.Beats.RhythmFeatures.ContextSamples(geometry.SampleRateHz, geometry.WindowSamples);
            foreach (var b in w.StreamBeats)
                if (bad is null && (b.Sample < contextStart || b.Sample >= geometry.WindowSamples || b.Row < 0 || b.Row >= geometry.LeadCount))
                    bad = $"!window {w} has a stream beat outside its context: row {b.Row}, sample {b.Sample}";
            w.ReleaseSignal();
        }
        windows = formed.Count;
        return bad;
    }

    private static readonly string[] JsonValues =
    [
        "NaN", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "1e400", "-1e400", "-0", "1.5", "null", "true", "[]", "{}", "\"\"", "\"x\"",
        "18446744073709551616", "-1", "0x10", "4294967296", "-2147483649", "1e-400", "\"2026-13-01T00:00:00Z\"", "\"9999-12-31T23:59:59.999999999Z\"",
        "\"0001-01-01T00:00:00Z\"", "\"2026-11-25T18:00:00.1234567891Z\"", "\"2026-11-25T18:00:00+25:00\"", "\"\\u0000\"", "\"\\ud800\"",
        "[1,2,3]", "[null]", "[\"a\"]", "[1e10]", "{\"lead\":\"II\"}", "99999999999999999999999",
    ];

    /// <summary>The JSON form of a valid segment with its text mutated (a value replaced, a cut, a character changed, a key renamed).</summary>
    private static string JsonInput(int seed)
    {
        var rng = new Random(seed ^ 0x5A5A5A);
        var segment = SegmentFuzzer.ValidSegment(rng, Now);
        if (segment.Leads.Count > 0 && segment.Leads[0].Samples.Count > 20)
            foreach (var l in segment.Leads) { var keep = l.Samples.Take(20).ToArray(); l.Samples.Clear(); l.Samples.Add(keep); }
        var text = SegmentJson.ToJson(segment);
        int mutations = rng.Next(1, 4);
        for (int m = 0; m < mutations && text.Length > 0; m++)
        {
            switch (rng.Next(5))
            {
                case 0:
                case 1:
                {
                    // Replace the value after a random ':' (or one array element) with an odd one.
                    int colon = text.IndexOf(':', rng.Next(text.Length));
                    if (colon < 0) break;
                    int end = colon + 1;
                    int depth = 0;
                    while (end < text.Length && !(depth == 0 && (text[end] == ',' || text[end] == '}' || text[end] == ']')))
                    {
                        if (text[end] is '[' or '{') depth++;
                        else if (text[end] is ']' or '}') depth--;
                        end++;
                    }
                    text = text[..(colon + 1)] + SegmentFuzzer.Pick(rng, JsonValues) + text[end..];
                    break;
                }
                case 2: text = text[..rng.Next(text.Length)]; break;
                case 3:
                {
                    int at = rng.Next(text.Length);
                    text = text[..at] + SegmentFuzzer.Pick(rng, ["\"", "{", "}", "[", "]", ",", ":", "\\", "\u0000", "\ud800", "e", "-", " "]) + text[(at + 1)..];
                    break;
                }
                default:
                {
                    var key = SegmentFuzzer.Pick(rng, ["\"sampleRateHz\"", "\"leads\"", "\"startTime\"", "\"samples\"", "\"lead\"", "\"sequence\"", "\"gain\""]);
                    int at = text.IndexOf(key, StringComparison.Ordinal);
                    if (at < 0) break;
                    var replacement = SegmentFuzzer.Pick(rng, ["\"sample_rate_hz\"", "\"Leads\"", "\"start_time\"", "\"samplez\"", key + ":1,\"x\"", key + ":null," + key]);
                    text = text[..at] + replacement + text[(at + key.Length)..];
                    break;
                }
            }
        }
        return text;
    }

    private static string Clip(string s) => SegmentFuzzer.Escape(s, 600);
}

/// <summary>The shipped model (models/cgdmer-small.onnx), loaded once for the fuzz tests: its geometry and a CPU session.</summary>
internal static class ShippedModel
{
    public static readonly string Path = System.IO.Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx");

    private static readonly Lazy<WindowGeometry> LazyGeometry = new(() =>
    {
        using var s = Open(1);
        return s.Geometry;
    });

    public static WindowGeometry Geometry => LazyGeometry.Value;

    public static OnnxFindingsSession Open(int maxBatch) =>
        new(Path, new OnnxRuntimeOptions { ExecutionProvider = ExecutionProviderChoice.Cpu, MaxBatchSize = maxBatch, IntraOpThreads = 1 });
}
