using System.Reactive.Linq;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Windowing;

namespace CGDmer.Pipeline.Measurement;

/// <summary>Rx stage: measurement (beats, heart rate, RR irregularity, signal quality) of each window, independent of the model.</summary>
public static class MeasureOperator
{
    /// <summary>
    /// Pairs each window with its <see cref="WindowMeasurement"/>. A measurer failure on one window gives that window
    /// <see cref="WindowMeasurement.None"/> (counted in <see cref="PipelineMetrics.MeasurementFailures"/>) and the stream
    /// goes on; the model still sees the window. Errors of <paramref name="source"/> itself are passed through. The
    /// window's samples are left alone: the infer stage releases them. <paramref name="onBeatStream"/>: the leads' beats are
    /// the window stage's beat stream's (<see cref="WindowMeasurer.Measure(EcgWindow, bool)"/>), as the model's rhythm
    /// features require; <paramref name="qualityOnStream"/>: their quality too (<c>rr-v10</c>). With
    /// <paramref name="rhythmFeatures"/> (the model's feature set), each analyzable window also gets the model's rhythm
    /// features (<see cref="MeasuredWindow.Rhythm"/>), computed here, on the window's signal lane, instead of on the
    /// model's thread.
    /// </summary>
    public static IObservable<MeasuredWindow> Measure(this IObservable<EcgWindow> source, WindowMeasurer measurer, PipelineMetrics? metrics = null,
                                                      bool onBeatStream = false, bool qualityOnStream = false, string? rhythmFeatures = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(measurer);
        if (rhythmFeatures is not null) RhythmInputWriter.RequireKnown(rhythmFeatures, nameof(rhythmFeatures));
        return Observable.Defer(() => Measured(source, measurer, metrics, onBeatStream, qualityOnStream, rhythmFeatures));
    }

    // Per subscription: the rhythm writer's scratch belongs to one lane.
    private static IObservable<MeasuredWindow> Measured(IObservable<EcgWindow> source, WindowMeasurer measurer, PipelineMetrics? metrics,
                                                        bool onBeatStream, bool qualityOnStream, string? rhythmFeatures)
    {
        RhythmInputWriter? rhythm = null;
        return source.Select(window =>
        {
            WindowMeasurement measurement;
            try
            {
                measurement = measurer.Measure(window, onBeatStream, qualityOnStream) ?? WindowMeasurement.None;
                if (measurement.AnalysisLead is not null) metrics?.SignalQuality.Observe(measurement.SignalQuality);
            }
            catch (Exception)
            {
                // Deliberately not logged with the exception message: it could quote window contents.
                metrics?.MeasurementFailures.Inc();
                measurement = WindowMeasurement.None;
            }
            if (rhythmFeatures is null || !window.IsAnalyzable || window.SignalReleased) return new MeasuredWindow(window, measurement);
            RhythmInput features;
            try
            {
                rhythm ??= new RhythmInputWriter(rhythmFeatures, window.Geometry.SampleRateHz);
                features = rhythm.Compute(window, measurement);
            }
            catch (Exception e)
            {
                // This window fails alone at the model (with the reason), as a failed measurement would not stop the lane.
                features = new RhythmInput(rhythmFeatures, null, $"rhythm features: {FailureText.Of(e)}");
            }
            return new MeasuredWindow(window, measurement) { Rhythm = features };
        });
    }
}
