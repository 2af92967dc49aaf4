using System.Diagnostics;
using System.Runtime.InteropServices;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Beats;

namespace CGDmer.Pipeline.Inference;

/// <summary>
/// The infer stage's logic for one batch, without threads: groups the analyzable windows by lead set, copies only the
/// rows of those leads into the model's input buffers, runs the model once per group (in chunks of
/// <see cref="IFindingsModel.MaxBatchSize"/>), copies the probabilities out and releases every window's samples. A
/// failing run marks its windows, never throws. Not thread-safe, like the model.
/// </summary>
/// <remarks>
/// A window's lead set is the leads its device recorded that the model knows (plus, defensively, any row its lead mask
/// marks present), in model row order; a recorded lead that is off for this window stays in the set, masked, so one
/// monitor's windows keep one set. Compaction is what makes a 2-lead monitor cheap: the model computes 2 rows instead of
/// 12 and gives the same probabilities (the mask removed the other rows from everything anyway).
/// <para>A model that takes rhythm features (contract v3, <see cref="ModelMetadata.HasRhythmInput"/>) gets each window's
/// <see cref="RhythmFeatures"/> in its slot's row of <see cref="IFindingsModel.RhythmFeaturesInput"/>: copied from the
/// window's <see cref="MeasuredWindow.Rhythm"/> where the measure stage computed them for this feature set (the pipeline's
/// case, off the model's thread), else computed here from the window's measurement (<see cref="RhythmInputWriter"/>).
/// A window whose measurement the features refuse (beats outside the window or out of order, which the measure stage
/// never produces) fails alone. Other models run as before.</para>
/// </remarks>
public sealed class BatchInference
{
    private readonly IFindingsModel _model;
    private readonly bool _keepStrips;
    private readonly SignalStrip?[] _stripOfSlot;
    private readonly WindowGeometry _geometry;
    private readonly PipelineMetrics? _metrics;
    private readonly int _leads, _samples, _stride, _labels;
    private readonly int _features; // rhythm features per window; 0 when the model takes none
    private readonly RhythmInputWriter? _rhythm; // for windows whose measure stage did not compute the features
    private readonly float[] _probabilities;
    private readonly int[] _windowOfSlot;
    private readonly Dictionary<int, Lead[]> _leadSets = new(); // key: bit per model row
    private int[] _setOfWindow = new int[64];

    public BatchInference(IFindingsModel model, PipelineMetrics? metrics = null, bool keepStrips = false)
    {
        _keepStrips = keepStrips;
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _metrics = metrics;
        _geometry = model.Geometry;
        _leads = _geometry.LeadCount;
        _samples = _geometry.WindowSamples;
        _stride = _leads * _samples;
        _labels = model.Metadata.Labels.Count;
        if (model.MaxBatchSize < 1) throw new ArgumentException($"model batch size must be ≥ 1, was {model.MaxBatchSize}", nameof(model));
        if (_leads > 30) throw new ArgumentException($"model has {_leads} leads; lead sets are kept as bit masks of at most 30 rows", nameof(model));
        if (model.EcgInput.Length < model.MaxBatchSize * _stride || model.LeadMaskInput.Length < model.MaxBatchSize * _leads)
            throw new ArgumentException("model input buffers are smaller than its batch size needs", nameof(model));
        var metadata = model.Metadata;
        if (metadata.HasRhythmInput)
        {
            if (!RhythmFeatures.IsKnown(metadata.RhythmFeatures))
                throw new ArgumentException($"model '{metadata.ModelName}' takes rhythm features '{metadata.RhythmFeatures}'; this build computes " +
                    RhythmFeatures.KnownList, nameof(model));
            _rhythm = new RhythmInputWriter(metadata.RhythmFeatures, _geometry.SampleRateHz);
            _features = _rhythm.Count;
            if (model.RhythmFeaturesInput.Length < model.MaxBatchSize * _features)
                throw new ArgumentException($"model rhythm feature buffer holds {model.RhythmFeaturesInput.Length} values; its batch size needs {model.MaxBatchSize * _features}", nameof(model));
        }
        _probabilities = new float[model.MaxBatchSize * _labels];
        _windowOfSlot = new int[model.MaxBatchSize];
        _stripOfSlot = new SignalStrip?[model.MaxBatchSize];
    }

    /// <summary>The batch's windows, analysed, in the batch's order. Every window's samples are released on return.</summary>
    public AnalyzedWindow[] Analyze(WindowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var windows = batch.Windows;
        var results = new AnalyzedWindow?[windows.Count];
        if (_setOfWindow.Length < windows.Count) _setOfWindow = new int[Math.Max(windows.Count, 2 * _setOfWindow.Length)];
        var setOf = _setOfWindow;
        try
        {
            // Pass 1: settle the windows that do not go to the model, and find each other window's lead set.
            for (int i = 0; i < windows.Count; i++)
            {
                var (window, measurement) = windows[i];
                setOf[i] = 0;
                if (!window.IsAnalyzable)
                {
                    results[i] = new AnalyzedWindow(window, measurement, null);
                    window.ReleaseSignal();
                    continue;
                }
                if (!SameLayout(window.Geometry) || window.SignalReleased)
                {
                    // A wiring fault (a window stage built for another model), not a model failure: this window only.
                    results[i] = new AnalyzedWindow(window, measurement, null, window.SignalReleased
                        ? "window samples were released before inference"
                        : $"window shape {window.Geometry.LeadCount}×{window.Geometry.WindowSamples} does not match the model's {_leads}×{_samples}");
                    window.ReleaseSignal();
                    continue;
                }
                setOf[i] = LeadSetOf(window);
            }
            // Pass 2: one group per lead set, in order of first appearance; results go back to each window's own index.
            for (int first = 0; first < windows.Count; first++)
            {
                int set = setOf[first];
                if (set == 0) continue;
                var leads = _leadSets.TryGetValue(set, out var known) ? known : _leadSets[set] = LeadsOf(set);
                RunGroup(set, leads, first, windows, results);
            }
        }
        finally
        {
            // Should anything above throw (it should not), the samples still go back to the pool.
            foreach (var w in windows) w.Window.ReleaseSignal();
        }
        return results!;
    }

    /// <summary>Copies every window of lead set <paramref name="set"/> from <paramref name="first"/> on, compacted, and runs them.</summary>
    private void RunGroup(int set, Lead[] leads, int first, IReadOnlyList<MeasuredWindow> windows, AnalyzedWindow?[] results)
    {
        var ecg = _model.EcgInput.Span;
        var mask = _model.LeadMaskInput.Span;
        var rhythm = _features > 0 ? _model.RhythmFeaturesInput.Span : default;
        int k = leads.Length, slots = 0;
        Span<int> rows = stackalloc int[k];
        for (int j = 0; j < k; j++) rows[j] = _geometry.RowOf(leads[j]);
        for (int i = first; i < windows.Count; i++)
        {
            if (_setOfWindow[i] != set) continue;
            _setOfWindow[i] = 0; // done: later groups skip it
            var (window, measurement) = windows[i];
            if (_features > 0 && WriteRhythmFeatures(windows[i], rhythm.Slice(slots * _features, _features)) is { } refused)
            {
                results[i] = new AnalyzedWindow(window, measurement, null, refused);
                window.ReleaseSignal();
                continue;
            }
            int slot = slots * k;
            for (int j = 0; j < k; j++)
            {
                window.Row(rows[j]).CopyTo(ecg.Slice((slot + j) * _samples, _samples));
                mask[slot + j] = window.LeadMask[rows[j]];
            }
            // The group's lead set is the window's recorded leads: when all are present (the usual case) the strip shares
            // the cached lead array and rows; a window with a lead off keeps only its present leads.
            _stripOfSlot[slots] = !_keepStrips ? null
                : AllPresent(window, rows) ? SignalStrip.Copy(window, leads, rows) : SignalStrip.CopyOf(window);
            window.ReleaseSignal();
            _windowOfSlot[slots++] = i;
            if (slots == _model.MaxBatchSize) { RunChunk(slots, leads, windows, results); slots = 0; }
        }
        if (slots > 0) RunChunk(slots, leads, windows, results);
    }

    /// <summary>
    /// The window's rhythm features into <paramref name="destination"/> (its slot's row): those the measure stage computed
    /// for this feature set, else computed here. Null when written, else why the measurement could not give them.
    /// </summary>
    private string? WriteRhythmFeatures(MeasuredWindow measured, Span<float> destination)
    {
        if (measured.Rhythm is { } computed && computed.FeatureSet == _rhythm!.FeatureSet
            && (computed.Refused is not null || computed.Features?.Length == destination.Length))
        {
            if (computed.Refused is { } refused) return refused;
            computed.Features.AsSpan().CopyTo(destination);
            return null;
        }
        return _rhythm!.Write(measured.Window, measured.Measurement, destination);
    }

    private bool SameLayout(WindowGeometry g)
    {
        if (ReferenceEquals(g, _geometry)) return true;
        if (g.LeadCount != _leads || g.WindowSamples != _samples) return false;
        for (int r = 0; r < _leads; r++)
            if (g.LeadOrder[r] != _geometry.LeadOrder[r]) return false;
        return true;
    }

    /// <summary>Bit per model row: recorded leads the model knows, and any row the mask marks present.</summary>
    private int LeadSetOf(EcgWindow window)
    {
        int set = 0;
        var recorded = window.RecordedLeads;
        for (int j = 0; j < recorded.Count; j++)
        {
            int row = _geometry.RowOf(recorded[j]);
            if (row >= 0) set |= 1 << row;
        }
        var mask = window.LeadMask;
        for (int r = 0; r < _leads; r++)
            if (mask[r] > 0) set |= 1 << r;
        // Analyzable means at least one present lead, so this is empty only for a window built by hand without any;
        // the full layout then gives the model's prior, as before compaction.
        return set != 0 ? set : (1 << _leads) - 1;
    }

    private static bool AllPresent(EcgWindow window, ReadOnlySpan<int> rows)
    {
        foreach (int row in rows) if (window.LeadMask[row] <= 0.5f) return false;
        return true;
    }

    private Lead[] LeadsOf(int set)
    {
        var leads = new Lead[System.Numerics.BitOperations.PopCount((uint)set)];
        for (int r = 0, j = 0; r < _leads; r++)
            if ((set & (1 << r)) != 0) leads[j++] = _geometry.LeadOrder[r];
        return leads;
    }

    private void RunChunk(int count, Lead[] leads, IReadOnlyList<MeasuredWindow> windows, AnalyzedWindow?[] results)
    {
        _metrics?.BatchSize.Observe(count);
        long started = Stopwatch.GetTimestamp();
        string? failure = null;
        try
        {
            _model.Run(count, leads, _probabilities.AsSpan(0, count * _labels));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The message comes from the runtime about tensors and nodes; it carries no patient data (inputs are floats).
            failure = FailureText.Of(e);
            _metrics?.InferenceFailures.Inc();
        }
        _metrics?.InferenceSeconds.Observe(PipelineMetrics.SecondsSince(started));
        for (int s = 0; s < count; s++)
        {
            int i = _windowOfSlot[s];
            var (window, measurement) = windows[i];
            var strip = _stripOfSlot[s];
            _stripOfSlot[s] = null;
            if (failure is not null) strip?.Release();   // no probabilities, so no alarm to show it for
            results[i] = failure is null
                ? new AnalyzedWindow(window, measurement, _probabilities.AsSpan(s * _labels, _labels).ToArray()) { Strip = strip }
                : new AnalyzedWindow(window, measurement, null, failure);
        }
    }
}
