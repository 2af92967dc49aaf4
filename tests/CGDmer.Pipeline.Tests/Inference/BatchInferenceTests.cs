using System.Buffers;
using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static CGDmer.TestSupport.TestWindows;

namespace CGDmer.Pipeline.Tests.Inference;

/// <summary>Lead compaction in the infer stage: grouping by lead set, the rows copied, order kept.</summary>
public class BatchInferenceTests
{
    private static readonly Lead[] Monitor = [Lead.II, Lead.V1];
    private static readonly Lead[] Twelve = [.. Leads.StandardOrder];

    /// <summary>A window that recorded <paramref name="recorded"/> of which <paramref name="present"/> are on; row r of it holds SampleValue(patient, index, r).</summary>
    private static MeasuredWindow Window(int patient, long index, Lead[] recorded, Lead[]? present = null)
    {
        var g = SmallGeometry;
        present ??= recorded;
        var signal = ArrayPool<float>.Shared.Rent(g.LeadCount * g.WindowSamples);
        var mask = new float[g.LeadCount];
        foreach (var lead in present) mask[g.RowOf(lead)] = 1;
        for (int r = 0; r < g.LeadCount; r++)
            signal.AsSpan(r * g.WindowSamples, g.WindowSamples).Fill(recorded.Contains(g.LeadOrder[r]) ? SampleValue(patient, index, r) : 0f);
        var w = new EcgWindow($"patient-{patient}", "dev", index, DateTimeOffset.UnixEpoch, g, signal, mask, recorded,
            recorded.Except(present).ToArray(), 1, WindowStatus.Analyzable, 0);
        return new MeasuredWindow(w, WindowMeasurement.None);
    }

    private static Lead[] InRowOrder(IEnumerable<Lead> leads) => [.. leads.OrderBy(SmallGeometry.RowOf)];

    [Fact]
    public void A_mixed_batch_runs_once_per_lead_set_and_keeps_its_order()
    {
        var model = new FakeFindingsModel(maxBatchSize: 2);
        MeasuredWindow[] windows =
        [
            Window(1, 0, Monitor), Window(2, 0, Twelve), Window(3, 0, [Lead.II]), Window(1, 1, Monitor),
            Window(1, 2, Monitor), Window(2, 1, Twelve), Window(4, 0, [Lead.V5, Lead.I]), // recorded out of row order
        ];
        var output = new BatchInference(model).Analyze(new WindowBatch(0, windows, 0));

        // Groups in order of first appearance; the 2-lead group of 3 windows runs as chunks of 2 and 1.
        Assert.Equal(new[] { Monitor, Monitor, Twelve, [Lead.II], [Lead.I, Lead.V5] }, model.RunLeadSets);
        Assert.Equal([2, 1, 2, 1, 1], model.RunSizes);
        for (int i = 0; i < windows.Length; i++)
        {
            var w = windows[i].Window;
            Assert.Same(w, output[i].Window);
            Assert.True(w.SignalReleased);
            int patient = int.Parse(w.PatientId["patient-".Length..]);
            int firstRow = InRowOrder(w.RecordedLeads).Select(SmallGeometry.RowOf).First();
            Assert.Equal([SampleValue(patient, w.Index, firstRow), w.RecordedLeads.Count], output[i].Probabilities!);
        }
        // The first run saw exactly windows 0 and 3, II then V1, compacted.
        var (ecg, mask) = model.RunInputs[0];
        int s = SmallGeometry.WindowSamples;
        Assert.Equal(2 * 2 * s, ecg.Length);
        float[] expectedFirsts = [SampleValue(1, 0, 1), SampleValue(1, 0, 6), SampleValue(1, 1, 1), SampleValue(1, 1, 6)];
        for (int row = 0; row < 4; row++) Assert.All(ecg.AsSpan(row * s, s).ToArray(), v => Assert.Equal(expectedFirsts[row], v));
        Assert.Equal([1f, 1f, 1f, 1f], mask);
    }

    [Fact]
    public void Kept_strips_hold_the_present_leads_samples_and_not_a_lead_that_is_off()
    {
        var model = new FakeFindingsModel(maxBatchSize: 4);
        MeasuredWindow[] windows = [Window(1, 0, Monitor), Window(1, 1, Monitor, present: [Lead.II])];
        var output = new BatchInference(model, keepStrips: true).Analyze(new WindowBatch(0, windows, 0));
        Assert.Equal(Monitor, output[0].Strip!.Leads);
        Assert.Equal([Lead.II], output[1].Strip!.Leads);
        Assert.All(output[0].Strip!.Samples(1).ToArray(), v => Assert.Equal(SampleValue(1, 0, SmallGeometry.RowOf(Lead.V1)), v));
        Assert.All(output[1].Strip!.Samples(0).ToArray(), v => Assert.Equal(SampleValue(1, 1, SmallGeometry.RowOf(Lead.II)), v));
        Assert.Null(new BatchInference(model).Analyze(new WindowBatch(0, [Window(1, 2, Monitor)], 0))[0].Strip);
        foreach (var o in output) o.Strip!.Release();
    }

    [Fact]
    public void A_recorded_lead_that_is_off_stays_in_the_set_masked()
    {
        var model = new FakeFindingsModel(maxBatchSize: 4);
        MeasuredWindow[] windows = [Window(1, 0, Monitor), Window(1, 1, Monitor, present: [Lead.II]), Window(1, 2, Monitor)];
        var output = new BatchInference(model).Analyze(new WindowBatch(0, windows, 0));
        Assert.Equal(new[] { Monitor }, model.RunLeadSets);   // one monitor, one set, one run
        Assert.Equal([1f, 1f, 1f, 0f, 1f, 1f], model.RunInputs[0].Mask);
        Assert.Equal(1f, output[1].Probabilities![1]);
    }

    [Fact]
    public void A_present_row_the_device_did_not_list_is_still_fed()
    {
        // Defensive: the mask, not RecordedLeads, is what the model must never lose.
        var model = new FakeFindingsModel();
        var w = Window(1, 0, [Lead.II], present: [Lead.II]);
        w.Window.LeadMask[SmallGeometry.RowOf(Lead.V1)] = 1;
        new BatchInference(model).Analyze(new WindowBatch(0, [w], 0));
        Assert.Equal(new[] { Monitor }, model.RunLeadSets);
    }

    [Fact]
    public void The_default_run_spreads_a_compacted_set_back_to_all_rows()
    {
        // A model that only implements the full 12-row layout still works with a compacted caller.
        var model = new FullLayoutModel(maxBatchSize: 3);
        IFindingsModel m = model;
        int s = SmallGeometry.WindowSamples;
        Lead[] leads = [Lead.V1, Lead.I, Lead.aVF];   // not in row order
        for (int w = 0; w < 3; w++)
            for (int j = 0; j < 3; j++)
            {
                m.EcgInput.Span.Slice((w * 3 + j) * s, s).Fill(100 * w + j + 1);
                m.LeadMaskInput.Span[w * 3 + j] = j == 2 && w == 1 ? 0 : 1;
            }
        m.Run(3, leads, new float[3]);
        for (int w = 0; w < 3; w++)
            for (int r = 0; r < 12; r++)
            {
                int j = Array.IndexOf(leads, SmallGeometry.LeadOrder[r]);
                float expected = j < 0 ? 0 : 100 * w + j + 1;
                Assert.All(model.SeenEcg.AsSpan((w * 12 + r) * s, s).ToArray(), v => Assert.Equal(expected, v));
                Assert.Equal(j < 0 || (j == 2 && w == 1) ? 0f : 1f, model.SeenMask[w * 12 + r]);
            }
        Assert.Throws<ArgumentException>(() => m.Run(1, [Lead.II, Lead.II], new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Run(4, leads, new float[4]));
    }

    /// <summary>Random batches of windows with random lead sets and a random model batch size.</summary>
    [Property(MaxTest = 200)]
    public Property Every_window_gets_its_own_rows_and_every_run_one_lead_set()
    {
        var leadSet = Gen.Choose(1, (1 << 12) - 1)
            .Select(bits => Enumerable.Range(0, 12).Where(r => (bits & (1 << r)) != 0).Select(r => (Lead)r).ToArray());
        // Monitors share few layouts: draw windows from a small pool of sets so groups have several members.
        var gen = from pool in leadSet.ArrayOf(3)
                  from picks in Gen.Choose(0, 2).NonEmptyListOf().Select(l => l.ToArray()) // a batch is never empty
                  from offMask in Gen.Choose(0, 4095)
                  from maxBatch in Gen.Choose(1, 5)
                  select (pool, picks, offMask, maxBatch);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var (pool, picks, offMask, maxBatch) = c;
            var model = new FakeFindingsModel(maxBatch);
            var windows = picks.Select((p, i) =>
            {
                var recorded = pool[p];
                // Some recorded leads off, but never all of them (an analyzable window has one present).
                var present = recorded.Where((l, j) => j == 0 || (offMask & (1 << (int)l)) == 0).ToArray();
                return Window(5, i, recorded, present);
            }).ToArray();
            var output = new BatchInference(model).Analyze(new WindowBatch(0, windows, 0));

            bool ok = output.Length == windows.Length && model.RunSizes.Sum() == windows.Length
                      && model.RunSizes.All(n => n >= 1 && n <= maxBatch)
                      && model.RunLeadSets.All(set => set.SequenceEqual(InRowOrder(set)))
                      && model.RunLeadSets.Select(set => string.Join(",", set)).Distinct().Count() == windows.Select(w => string.Join(",", InRowOrder(w.Window.RecordedLeads))).Distinct().Count();
            for (int i = 0; ok && i < windows.Length; i++)
            {
                var w = windows[i].Window;
                int firstRow = SmallGeometry.RowOf(InRowOrder(w.RecordedLeads)[0]);
                ok = ReferenceEquals(output[i].Window, w) && w.SignalReleased
                     && output[i].Probabilities is { } p && p[0] == SampleValue(5, i, firstRow) && p[1] == w.RecordedLeads.Count - w.MissingLeads.Count;
            }
            return ok;
        });
    }

    /// <summary>A model with only the full-layout run (no compaction): the interface's default spreads the rows.</summary>
    private sealed class FullLayoutModel(int maxBatchSize) : IFindingsModel
    {
        private readonly float[] _ecg = new float[maxBatchSize * 12 * SmallGeometry.WindowSamples], _mask = new float[maxBatchSize * 12];
        public float[] SeenEcg = [], SeenMask = [];
        public ModelMetadata Metadata { get; } = new()
        {
            ModelName = "full", ModelVersion = "0.0.1", Labels = [new("x", "1", "X", 0.5)], SampleRateHz = SmallGeometry.SampleRateHz,
            WindowSamples = SmallGeometry.WindowSamples, Preprocessing = EcgPreprocessing.Identifier, EmbeddingDim = 1,
        };
        public WindowGeometry Geometry => SmallGeometry;
        public int MaxBatchSize => maxBatchSize;
        public Memory<float> EcgInput => _ecg;
        public Memory<float> LeadMaskInput => _mask;
        public void Run(int count, Span<float> probabilities)
        {
            SeenEcg = _ecg[..(count * 12 * SmallGeometry.WindowSamples)];
            SeenMask = _mask[..(count * 12)];
        }
        public void Dispose() { }
    }
}
