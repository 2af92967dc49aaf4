using System.Diagnostics;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;

namespace CGDmer.Pipeline.Inference;

/// <summary>
/// The infer stage's logic for one batch, without threads: copies the analyzable windows into the model's input
/// buffers, runs the model (in chunks of <see cref="IFindingsModel.MaxBatchSize"/> if the batch is larger), copies the
/// probabilities out and releases every window's samples. A failing run marks its windows, never throws. Not
/// thread-safe, like the model.
/// </summary>
public sealed class BatchInference
{
    private readonly IFindingsModel _model;
    private readonly PipelineMetrics? _metrics;
    private readonly int _leads, _samples, _stride, _labels;
    private readonly float[] _probabilities;
    private readonly int[] _windowOfSlot;

    public BatchInference(IFindingsModel model, PipelineMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _metrics = metrics;
        _leads = model.Geometry.LeadCount;
        _samples = model.Geometry.WindowSamples;
        _stride = _leads * _samples;
        _labels = model.Metadata.Labels.Count;
        if (model.MaxBatchSize < 1) throw new ArgumentException($"model batch size must be ≥ 1, was {model.MaxBatchSize}", nameof(model));
        if (model.EcgInput.Length < model.MaxBatchSize * _stride || model.LeadMaskInput.Length < model.MaxBatchSize * _leads)
            throw new ArgumentException("model input buffers are smaller than its batch size needs", nameof(model));
        _probabilities = new float[model.MaxBatchSize * _labels];
        _windowOfSlot = new int[model.MaxBatchSize];
    }

    /// <summary>The batch's windows, analysed, in the batch's order. Every window's samples are released on return.</summary>
    public AnalyzedWindow[] Analyze(WindowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var windows = batch.Windows;
        var results = new AnalyzedWindow?[windows.Count];
        var ecg = _model.EcgInput.Span;
        var mask = _model.LeadMaskInput.Span;
        int slots = 0;
        try
        {
            for (int i = 0; i < windows.Count; i++)
            {
                var (window, measurement) = windows[i];
                if (!window.IsAnalyzable)
                {
                    results[i] = new AnalyzedWindow(window, measurement, null);
                    window.ReleaseSignal();
                    continue;
                }
                if (window.Geometry.LeadCount != _leads || window.Geometry.WindowSamples != _samples || window.SignalReleased)
                {
                    // A wiring fault (a window stage built for another model), not a model failure: this window only.
                    results[i] = new AnalyzedWindow(window, measurement, null, window.SignalReleased
                        ? "window samples were released before inference"
                        : $"window shape {window.Geometry.LeadCount}×{window.Geometry.WindowSamples} does not match the model's {_leads}×{_samples}");
                    window.ReleaseSignal();
                    continue;
                }
                window.Signal.AsSpan(0, _stride).CopyTo(ecg.Slice(slots * _stride, _stride));
                window.LeadMask.AsSpan(0, _leads).CopyTo(mask.Slice(slots * _leads, _leads));
                window.ReleaseSignal();
                _windowOfSlot[slots++] = i;
                if (slots == _model.MaxBatchSize) { RunChunk(slots, windows, results); slots = 0; }
            }
            if (slots > 0) RunChunk(slots, windows, results);
        }
        finally
        {
            // Should anything above throw (it should not), the samples still go back to the pool.
            foreach (var w in windows) w.Window.ReleaseSignal();
        }
        return results!;
    }

    private void RunChunk(int count, IReadOnlyList<MeasuredWindow> windows, AnalyzedWindow?[] results)
    {
        _metrics?.BatchSize.Observe(count);
        long started = Stopwatch.GetTimestamp();
        string? failure = null;
        try
        {
            _model.Run(count, _probabilities.AsSpan(0, count * _labels));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The message comes from the runtime about tensors and nodes; it carries no patient data (inputs are floats).
            failure = Describe(e);
            _metrics?.InferenceFailures.Inc();
        }
        _metrics?.InferenceSeconds.Observe(PipelineMetrics.SecondsSince(started));
        for (int s = 0; s < count; s++)
        {
            int i = _windowOfSlot[s];
            var (window, measurement) = windows[i];
            results[i] = failure is null
                ? new AnalyzedWindow(window, measurement, _probabilities.AsSpan(s * _labels, _labels).ToArray())
                : new AnalyzedWindow(window, measurement, null, failure);
        }
    }

    private static string Describe(Exception e)
    {
        var message = e.Message;
        int nl = message.IndexOf('\n');
        if (nl >= 0) message = message[..nl];
        if (message.Length > 300) message = message[..300];
        return $"{e.GetType().Name}: {message.Trim()}";
    }
}
