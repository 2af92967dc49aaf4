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
    /// features require; <paramref name="qualityOnStream"/>: their quality too (<c>rr-v10</c>).
    /// </summary>
    public static IObservable<MeasuredWindow> Measure(this IObservable<EcgWindow> source, WindowMeasurer measurer, PipelineMetrics? metrics = null,
                                                      bool onBeatStream = false, bool qualityOnStream = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(measurer);
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
            return new MeasuredWindow(window, measurement);
        });
    }
}
