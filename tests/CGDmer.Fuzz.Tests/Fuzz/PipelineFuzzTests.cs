using Xunit.Abstractions;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Transports;
using CGDmer.Transports.Kafka;
using Google.Protobuf;
using static CGDmer.TestSupport.PipelineTestData;

namespace CGDmer.Pipeline.Tests.Fuzz;

/// <summary>
/// Fuzzed segments through the whole pipeline (README.md in this folder), in runs of <see cref="InputsPerRun"/> inputs: a
/// control patient streams one valid segment a second for <see cref="ControlSeconds"/> s, three fuzz patients stream valid
/// segments too (and each is monitored again after the fuzzed inputs), and the fuzzed inputs (their segments mutated field by field and byte by byte, raw bytes) are interleaved,
/// decoded as the Kafka source decodes them. For every run: nothing is thrown into the source and the pipeline completes
/// (no error, no hang); the control patient gets exactly the windows it gets alone; every dead letter has a reason and a
/// message; no accepted segment fails in the window stage, the measure stage or the model.
/// </summary>
public sealed class PipelineFuzzTests(ITestOutputHelper output)
{
    // Fuzzed inputs come from FuzzFrom to FuzzSeconds, after each fuzz patient's first valid segment (a device's very first
    // segment has no history to be checked against: src/CGDmer.Pipeline/Validation/README.md); the valid streams go on for the
    // rest, so every patient must be back (a 30 s segment of fuzzed content can hold a patient's real data for 30 s).
    private const int ControlSeconds = 80, FuzzFrom = 3, FuzzSeconds = 35, InputsPerRun = 40, FuzzPatients = 3;
    private const string ControlPatient = "patient-ctl", ControlDevice = "monitor-ctl";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void Fuzzed_input_never_stops_the_stream_with_a_fake_model()
    {
        var settings = FuzzSettings.FromEnvironment();
        int run = 0;   // one and two signal lanes in turn, the publish stage on its own thread every third run
        RunAll(settings, settings.PipelineInputs, "fake model", metrics => Components(metrics, lanes: 1 + (run & 1), publishThread: run++ % 3 == 0));
    }

    /// <summary>A share (1/10, at least one run) with the shipped model on the CPU.</summary>
    [Fact]
    public void Fuzzed_input_never_stops_the_stream_with_the_shipped_model()
    {
        var settings = FuzzSettings.FromEnvironment();
        using var model = ShippedModel.Open(maxBatch: 4);
        int inputs = settings.PipelineInputs == 0 ? 0 : Math.Max(InputsPerRun, settings.PipelineInputs / 10);
        RunAll(settings, inputs, "shipped model", metrics => new EcgPipelineComponents(
            new SegmentValidator(), new SequenceTracker(new SequenceOptions()), new WindowingOptions(), new WindowMeasurer(),
            new BatchingOptions { MaxBatchSize = 4 }, model, new InferOptions(), new Interpreter(model.Metadata),
            new ObservationFactory(new PublishingOptions(), model.Metadata), TaskPoolScheduler.Default, metrics));
    }

    private sealed class Totals
    {
        public long Inputs, Pushed, Background, ControlWindows, FuzzWindows;
        public readonly Tally Unreadable = new(), Rejected = new(), Notices = new(), Dropped = new();
        public readonly List<string> Failures = [];
    }

    private void RunAll(FuzzSettings settings, int inputs, string model, Func<PipelineMetrics, EcgPipelineComponents> components)
    {
        int runs = (inputs + InputsPerRun - 1) / InputsPerRun;
        var totals = new Totals();
        var sw = Stopwatch.StartNew();
        // The control patient alone: what it must get in every run.
        var expected = Control(RunOnce(Build(-1, 0), components, out var alone));
        Assert.True(alone.Count == 0, $"the control run alone failed: {string.Join("; ", alone)}");
        Assert.True(expected.Count >= 8, $"the control patient alone got {expected.Count} windows");

        for (int r = 0; r < runs; r++)
        {
            int seed = settings.Seed + r;
            int count = Math.Min(InputsPerRun, inputs - r * InputsPerRun);
            var run = Build(seed, count);
            totals.Inputs += run.Fuzzed.Count;
            foreach (var u in run.Unreadable) totals.Unreadable.Add(u);
            totals.Pushed += run.Items.Count(i => i.Fuzzed);
            totals.Background += run.Items.Count(i => !i.Fuzzed);

            var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
            var outputs = RunOnce(run, components, out var problems, metrics);
            var control = Control(outputs);
            if (!control.SequenceEqual(expected))
                problems.Add($"the control patient got {control.Count} windows ({Describe(control)}), alone {expected.Count} ({Describe(expected)})");
            totals.ControlWindows += control.Count;
            // The fuzz patients themselves keep being monitored: whatever the fuzzed inputs did, their valid stream of the
            // last 25 s gets windows (a restart, a wrap, a clock jump, a corrupted number or a rate change recovers within
            // a few segments; a new run, after a rate change, starts at the next grid window its resampler margin allows).
            const double BackBy = FuzzSeconds + 10;
            for (int f = 0; f < FuzzPatients; f++)
            {
                var last = outputs.Where(o => o.Published?.PatientId == $"fuzz-{f}").Select(o => (o.Published!.Window.Start - T0).TotalSeconds)
                                  .DefaultIfEmpty(double.NegativeInfinity).Max();
                if (last < BackBy)
                {
                    var letters = outputs.Where(o => o.Rejected?.Rejection?.DeviceId == $"fuzz-monitor-{f}")
                                         .Select(o => $"{o.Rejected!.Rejection!.Code}#{o.Rejected.Rejection.Sequence}");
                    var sent = run.Items.Where(i => i.Segment.PatientId == $"fuzz-{f}" || i.Segment.DeviceId == $"fuzz-monitor-{f}")
                                        .Select(i => $"{(i.Fuzzed ? $"*[{i.Mutations}]" : "")}{i.Segment.Sequence}@{(i.Segment.StartTime is { } t && t.Seconds > 0 && t.Seconds < 253402300799 && t.Nanos is >= 0 and < 1_000_000_000 ? (t.ToDateTimeOffset() - T0).TotalSeconds.ToString("0.##") : "?")}/r{i.ReceivedSeconds}");
                    problems.Add($"fuzz patient {f} got no window from {BackBy} s on (its last starts at {last} s); "
                                 + $"its device's dead letters and notices: {string.Join(" ", letters)}; sent (* fuzzed, seq@start/received): {string.Join(" ", sent)}");
                }
            }
            totals.FuzzWindows += outputs.Count(o => o.Published is { } p && p.PatientId != ControlPatient);

            foreach (var o in outputs.Where(o => o.Rejected is not null))
            {
                var why = o.Rejected!.Rejection;
                if (why is null || why.Reason == RejectionReason.InternalError || string.IsNullOrWhiteSpace(why.Message))
                    problems.Add($"a dead letter without a reason: {o.Rejected}");
                else if (why.DeviceId == ControlDevice)
                    problems.Add($"the control device got a dead letter: {why}");
                else (o.Rejected.IsNotice ? totals.Notices : totals.Rejected).Add(why.Code);
            }
            foreach (var reason in (string[])["duplicate_sequence", "late_sequence", "late", "duplicate", "error"])
                totals.Dropped.Add(reason, (long)metrics.SegmentsDropped.WithLabels(reason).Value);
            if (metrics.SegmentsDropped.WithLabels("error").Value > 0 || metrics.PatientsEvicted.WithLabels("error").Value > 0)
                problems.Add($"the window stage failed on {metrics.SegmentsDropped.WithLabels("error").Value} accepted segments");
            if (metrics.MeasurementFailures.Value > 0) problems.Add($"the measure stage failed on {metrics.MeasurementFailures.Value} windows");
            if (metrics.InferenceFailures.Value > 0) problems.Add($"the model failed on {metrics.InferenceFailures.Value} batches");
            if (metrics.SegmentsIn.Value != run.Items.Count) problems.Add($"{metrics.SegmentsIn.Value} segments counted in, {run.Items.Count} sent");

            if (problems.Count > 0)
                totals.Failures.Add($"run seed {seed} (reproduce with CGDMER_FUZZ_SEED={seed} CGDMER_FUZZ_PIPELINE={InputsPerRun}): "
                                    + string.Join("; ", problems) + "\n  inputs:\n    " + string.Join("\n    ", run.Fuzzed.Select(f => f.Describe(256))));
        }
        sw.Stop();

        var summary = new StringBuilder()
            .AppendLine($"fuzz pipeline ({model}): {totals.Inputs} fuzzed inputs in {runs} runs (seeds {settings.Seed}..{settings.Seed + runs - 1}) in {sw.Elapsed.TotalSeconds:F1} s")
            .AppendLine($"  unreadable {totals.Unreadable.Total}: {totals.Unreadable}")
            .AppendLine($"  decoded and sent {totals.Pushed} (with {totals.Background} valid segments of the control and fuzz patients)")
            .AppendLine($"  dead-lettered {totals.Rejected.Total}: {totals.Rejected}")
            .AppendLine($"  notices {totals.Notices.Total}: {totals.Notices}")
            .AppendLine($"  accepted but not windowed: {totals.Dropped}")
            .AppendLine($"  windows: control {totals.ControlWindows} ({expected.Count} per run, as alone), fuzz patients {totals.FuzzWindows}")
            .Append($"  escapes and failed runs: {totals.Failures.Count}")
            .ToString();
        FuzzSettings.Report(output, summary);
        Assert.True(totals.Failures.Count == 0, $"{totals.Failures.Count} of {runs} runs failed:\n" + string.Join("\n", totals.Failures.Take(5)));
    }

    private sealed record Item(EcgSegment Segment, double ReceivedSeconds, bool Fuzzed, string Mutations = "");
    private sealed record Run(List<Item> Items, List<FuzzInput> Fuzzed, List<string> Unreadable);

    /// <summary>The inputs of one run: the control, the fuzz patients' valid streams and <paramref name="count"/> fuzzed inputs.</summary>
    private static Run Build(int seed, int count)
    {
        var rng = new Random(seed);
        var items = new List<Item>();
        var fuzzed = new List<FuzzInput>();
        var unreadable = new List<string>();
        int maxSegmentBytes = new KafkaOptions().MaxSegmentBytes;
        var seqs = new ulong[FuzzPatients];
        for (int f = 0; f < FuzzPatients; f++) seqs[f] = (ulong)rng.Next(0, 1000);
        // When each fuzzed input comes (second of the run).
        var at = Enumerable.Range(0, count).Select(_ => rng.Next(FuzzFrom, FuzzSeconds)).Order().ToArray();
        int next = 0;
        for (int k = 0; k < ControlSeconds; k++)
        {
            double received = k + 1;
            var now = T0.AddSeconds(received);
            items.Add(new Item(Wire(ControlPatient, ControlDevice, 5000 + (ulong)k, k), received, false));
            if (seed < 0) continue;
            for (int f = 0; f < FuzzPatients; f++)
                if (k == 0 || rng.Next(5) > 0) items.Add(new Item(Wire($"fuzz-{f}", $"fuzz-monitor-{f}", seqs[f]++, k), received, false));
            for (; next < at.Length && at[next] == k; next++)
            {
                int inputSeed = rng.Next();
                var irng = new Random(inputSeed);
                var log = new List<string>();
                byte[] bytes;
                if (irng.Next(20) == 0)
                {
                    log.Add("raw-bytes");
                    bytes = SegmentFuzzer.RawBytes(irng);
                }
                else
                {
                    int f = irng.Next(FuzzPatients);
                    // The patient's next segment, a repeat of an earlier one, or one from further back or ahead.
                    double start = irng.Next(4) == 0 ? k + irng.Next(-30, 10) + irng.NextDouble() : k;
                    var s = Wire($"fuzz-{f}", $"fuzz-monitor-{f}", seqs[f], start, count: irng.Next(4) == 0 ? irng.Next(1, 500) : 100);
                    int fieldMutations = 1 + (irng.Next(3) == 0 ? irng.Next(1, 3) : 0);
                    for (int m = 0; m < fieldMutations; m++) log.Add(SegmentFuzzer.MutateField(irng, s, now));
                    if (s.PatientId == ControlPatient || s.DeviceId == ControlDevice) { s.PatientId = "fuzz-x"; s.DeviceId = "fuzz-monitor-x"; }
                    bytes = s.ToByteArray();
                    if (irng.Next(4) == 0) bytes = SegmentFuzzer.MutateBytes(irng, bytes, now, log);
                }
                fuzzed.Add(new FuzzInput(inputSeed, bytes, log));
                var consumed = KafkaSegmentSource.Parse(bytes, new SourcePosition("fuzz", 0, items.Count), maxSegmentBytes);
                if (!consumed.IsReadable) { unreadable.Add(consumed.Unreadable!.Reason); continue; }
                var segment = consumed.Segment!;
                // A byte mutation could (in principle) land on the control's identifiers; the control must stay the control's.
                if (segment.PatientId == ControlPatient || segment.DeviceId == ControlDevice) { segment.PatientId = "fuzz-y"; segment.DeviceId = "fuzz-monitor-y"; }
                items.Add(new Item(segment, received, true, string.Join(",", log)));
            }
        }
        return new Run(items, fuzzed, unreadable);
    }

    /// <summary>Runs the pipeline over the run's inputs, each received at its time; problems: escapes, errors, hangs.</summary>
    private static List<PipelineOutput> RunOnce(Run run, Func<PipelineMetrics, EcgPipelineComponents> components, out List<string> problems,
                                                PipelineMetrics? metrics = null)
    {
        problems = [];
        var escapes = new ConcurrentQueue<Exception>();
        var now = T0;
        var source = Observable.Create<EcgSegment>(observer =>
        {
            foreach (var item in run.Items)
            {
                now = T0.AddSeconds(item.ReceivedSeconds);
                try { observer.OnNext(item.Segment); }
                catch (Exception e) { escapes.Enqueue(e); }
            }
            try { observer.OnCompleted(); }
            catch (Exception e) { escapes.Enqueue(e); }
            return Disposable.Empty;
        });
        var task = EcgPipeline.Run(source, () => now, components(metrics ?? new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry())))
            .ToList().ToTask();
        List<PipelineOutput> outputs = [];
        try
        {
            if (!task.Wait(RunTimeout)) problems.Add($"the pipeline did not complete within {RunTimeout.TotalSeconds} s");
            else outputs = task.Result.ToList();
        }
        catch (AggregateException e) { problems.Add($"the pipeline ended with an error: {e.InnerException}"); }
        foreach (var e in escapes) problems.Add($"thrown into the source: {e}");
        return outputs;
    }

    private static List<(double Start, WindowStatus Status)> Control(List<PipelineOutput> outputs) =>
        outputs.Where(o => o.Published?.PatientId == ControlPatient)
               .Select(o => ((o.Published!.Window.Start - T0).TotalSeconds, o.Published.Window.Status))
               .OrderBy(w => w.Item1).ToList();

    private static string Describe(List<(double Start, WindowStatus Status)> windows) =>
        string.Join(" ", windows.Select(w => $"{w.Start:0.##}{(w.Status == WindowStatus.Analyzable ? "" : "/" + w.Status)}"));
}
