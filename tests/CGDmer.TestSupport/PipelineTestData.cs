using CGDmer.Pipeline;
using System.Reactive.Concurrency;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using Google.Protobuf.WellKnownTypes;

namespace CGDmer.TestSupport;

/// <summary>
/// The composed pipeline (<see cref="EcgPipeline.Run"/>) over wire segments built in code: the ECG-like signal of
/// <see cref="WindowTestData"/> (leads II and V1 at 100 Hz), the three-row geometry, a fake model, default stage options.
/// </summary>
public static class PipelineTestData
{
    public static readonly DateTimeOffset T0 = WindowTestData.T0;

    /// <summary>A wire segment of <paramref name="count"/> samples per lead starting <paramref name="startSeconds"/> after T0.</summary>
    public static EcgSegment Wire(string patient, string device, ulong sequence, double startSeconds, int count = 100, double rateHz = 100)
    {
        var s = new EcgSegment
        {
            SchemaVersion = 1,
            PatientId = patient,
            DeviceId = device,
            Sequence = sequence,
            StartTime = Timestamp.FromDateTimeOffset(T0.AddTicks((long)Math.Round(startSeconds * TimeSpan.TicksPerSecond))),
            SampleRateHz = rateHz,
        };
        foreach (var lead in WindowTestData.TwoLeads)
        {
            var l = new LeadSamples { Lead = Leads.Name(lead), Gain = 1000, Unit = "mV" };
            foreach (var v in WindowTestData.Samples(lead, rateHz, startSeconds, count)) l.Samples.Add((int)Math.Round(v * 1000));
            s.Leads.Add(l);
        }
        return s;
    }

    /// <summary>End of a wire segment (the receive time a live device's segment has: when its last sample was taken).</summary>
    public static DateTimeOffset EndOf(EcgSegment s) =>
        s.StartTime.ToDateTimeOffset() + EcgSegmentData.DurationOf(s.Leads[0].Samples.Count, s.SampleRateHz);

    /// <summary>Fresh stages (fresh per-device and per-patient state) over a fake model of the test geometry.</summary>
    public static EcgPipelineComponents Components(PipelineMetrics? metrics = null, SequenceOptions? sequence = null,
                                                   int lanes = 1, bool publishThread = false)
    {
        var model = new FakeFindingsModel(maxBatchSize: 4, geometry: WindowTestData.Geometry);
        return new EcgPipelineComponents(
            new SegmentValidator(), new SequenceTracker(sequence ?? new SequenceOptions()), new WindowingOptions(), new WindowMeasurer(),
            new BatchingOptions { MaxBatchSize = 4 }, model, new InferOptions(), new Interpreter(model.Metadata),
            new ObservationFactory(new PublishingOptions(), model.Metadata), TaskPoolScheduler.Default, metrics, lanes, publishThread);
    }
}
