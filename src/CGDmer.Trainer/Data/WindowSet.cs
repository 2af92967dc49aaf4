using CGDmer.Model;
using CGDmer.Signal;

namespace CGDmer.Trainer.Data;

/// <summary>
/// A set of fixed-length 12-lead windows ready for the model: preprocessed samples in mV at the model rate, which leads
/// are present, multi-hot labels, the report text, and the patient each window came from (splits are by patient).
/// Samples live in one contiguous array so batches are copied with spans, not built window by window.
/// Each window also says which labels its source annotates (a CinC "other rhythm" recording says nothing about PVCs; the
/// loss skips labels a window does not annotate), and carries its beat-interval features (<see cref="RhythmFeatureCount"/>).
/// </summary>
public sealed class WindowSet
{
    private float[] _samples;
    private float[] _leadMask;
    private float[] _labels;
    private float[] _known;
    private float[] _rhythm;
    private readonly List<string> _reports = new();
    private readonly List<string> _patients = new();
    private readonly List<string> _sources = new();

    /// <param name="rhythmFeatureSet">The feature set the windows carry when <paramref name="rhythmFeatureCount"/> &gt; 0
    /// (<c>RhythmFeatures.Identifier</c> when null); its count must be <paramref name="rhythmFeatureCount"/>.</param>
    public WindowSet(int windowSamples, IReadOnlyList<EcgLabel> labels, int capacity = 1024, int rhythmFeatureCount = 0, string? rhythmFeatureSet = null)
    {
        WindowSamples = windowSamples;
        Labels = labels;
        RhythmFeatureCount = rhythmFeatureCount;
        RhythmFeatureSet = rhythmFeatureCount == 0 ? "" : rhythmFeatureSet ?? CGDmer.Signal.Beats.RhythmFeatures.Identifier;
        if (rhythmFeatureCount > 0 && CGDmer.Signal.Beats.RhythmFeatures.CountOf(RhythmFeatureSet) != rhythmFeatureCount)
            throw new ArgumentException($"the rhythm feature set '{RhythmFeatureSet}' has {CGDmer.Signal.Beats.RhythmFeatures.CountOf(RhythmFeatureSet)} features, not {rhythmFeatureCount}", nameof(rhythmFeatureCount));
        _samples = new float[(long)capacity * Leads.Count * windowSamples];
        _leadMask = new float[capacity * Leads.Count];
        _labels = new float[capacity * labels.Count];
        _known = new float[capacity * labels.Count];
        _rhythm = new float[capacity * rhythmFeatureCount];
    }

    /// <summary>Beat-interval features stored per window (0: none).</summary>
    public int RhythmFeatureCount { get; }

    /// <summary>The feature set of <see cref="RhythmFeatureCount"/> (<c>RhythmFeatures</c>); empty when none.</summary>
    public string RhythmFeatureSet { get; }

    public int WindowSamples { get; }
    public IReadOnlyList<EcgLabel> Labels { get; }
    public int Count { get; private set; }
    public IReadOnlyList<string> Reports => _reports;
    public IReadOnlyList<string> Patients => _patients;
    public IReadOnlyList<string> Sources => _sources;
    public int WindowStride => Leads.Count * WindowSamples;

    public ReadOnlySpan<float> Samples(int i) => _samples.AsSpan(i * WindowStride, WindowStride);
    public ReadOnlySpan<float> LeadMask(int i) => _leadMask.AsSpan(i * Leads.Count, Leads.Count);
    public ReadOnlySpan<float> LabelVector(int i) => _labels.AsSpan(i * Labels.Count, Labels.Count);
    public bool HasLabel(int i, int labelIndex) => _labels[i * Labels.Count + labelIndex] > 0.5f;
    /// <summary>1 where window <paramref name="i"/>'s source annotates the label (positive or negative), 0 where it says nothing.</summary>
    public ReadOnlySpan<float> KnownVector(int i) => _known.AsSpan(i * Labels.Count, Labels.Count);
    public bool IsKnown(int i, int labelIndex) => _known[i * Labels.Count + labelIndex] > 0.5f;
    public ReadOnlySpan<float> Rhythm(int i) => _rhythm.AsSpan(i * RhythmFeatureCount, RhythmFeatureCount);
    /// <summary>Whether the window has a report (only those join the ECG–report contrastive arm).</summary>
    public bool HasReport(int i) => _reports[i].Length > 0;

    /// <summary>Adds a window. <paramref name="leadSamples"/>: 12 rows (null = lead absent), each WindowSamples long.</summary>
    public void Add(IReadOnlyList<float[]?> leadSamples, IReadOnlyCollection<EcgLabel> labels, string report, string patient, string source) =>
        Add(leadSamples, labels, null, report, patient, source, default);

    /// <param name="annotated">The labels the source annotates; null: all of them.</param>
    /// <param name="rhythm">The window's beat-interval features, <see cref="RhythmFeatureCount"/> long (empty when that is 0).</param>
    public void Add(IReadOnlyList<float[]?> leadSamples, IReadOnlyCollection<EcgLabel> labels, IReadOnlyCollection<EcgLabel>? annotated,
        string report, string patient, string source, ReadOnlySpan<float> rhythm)
    {
        if (rhythm.Length != RhythmFeatureCount)
            throw new ArgumentException($"Expected {RhythmFeatureCount} rhythm features, got {rhythm.Length}.", nameof(rhythm));
        if (leadSamples.Count != Leads.Count) throw new ArgumentException($"Expected {Leads.Count} leads, got {leadSamples.Count}.");
        Grow(Count + 1);
        var dst = _samples.AsSpan(Count * WindowStride, WindowStride);
        for (int l = 0; l < Leads.Count; l++)
        {
            var row = dst.Slice(l * WindowSamples, WindowSamples);
            var src = leadSamples[l];
            if (src is null) { row.Clear(); _leadMask[Count * Leads.Count + l] = 0; continue; }
            if (src.Length < WindowSamples) throw new ArgumentException($"Lead {(Lead)l} has {src.Length} samples, expected {WindowSamples}.");
            src.AsSpan(0, WindowSamples).CopyTo(row);
            _leadMask[Count * Leads.Count + l] = 1;
        }
        var lab = _labels.AsSpan(Count * Labels.Count, Labels.Count);
        lab.Clear();
        for (int k = 0; k < Labels.Count; k++)
            if (labels.Contains(Labels[k])) lab[k] = 1;
        var known = _known.AsSpan(Count * Labels.Count, Labels.Count);
        for (int k = 0; k < Labels.Count; k++) known[k] = annotated is null || annotated.Contains(Labels[k]) || lab[k] > 0 ? 1 : 0;
        rhythm.CopyTo(_rhythm.AsSpan(Count * RhythmFeatureCount, RhythmFeatureCount));
        _reports.Add(report);
        _patients.Add(patient);
        _sources.Add(source);
        Count++;
    }

    private void Grow(int needed)
    {
        int cap = _leadMask.Length / Leads.Count;
        if (needed <= cap) return;
        int newCap = Math.Max(needed, cap * 2);
        Array.Resize(ref _samples, newCap * WindowStride);
        Array.Resize(ref _leadMask, newCap * Leads.Count);
        Array.Resize(ref _labels, newCap * Labels.Count);
        Array.Resize(ref _known, newCap * Labels.Count);
        Array.Resize(ref _rhythm, newCap * RhythmFeatureCount);
    }

    /// <summary>Copies the windows <paramref name="indices"/> into batch buffers (ecg [n·12·S], mask [n·12], labels [n·L]).</summary>
    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> ecg, Span<float> leadMask, Span<float> labels)
    {
        for (int b = 0; b < indices.Length; b++)
        {
            int i = indices[b];
            Samples(i).CopyTo(ecg.Slice(b * WindowStride, WindowStride));
            LeadMask(i).CopyTo(leadMask.Slice(b * Leads.Count, Leads.Count));
            LabelVector(i).CopyTo(labels.Slice(b * Labels.Count, Labels.Count));
        }
    }

    /// <summary>Copies which labels each window annotates [n·L].</summary>
    public void CopyAnnotation(ReadOnlySpan<int> indices, Span<float> known)
    {
        for (int b = 0; b < indices.Length; b++)
            KnownVector(indices[b]).CopyTo(known.Slice(b * Labels.Count, Labels.Count));
    }

    /// <summary>
    /// Row b: window indices[b]'s rhythm features, then, with one context column, 1 for a bedside source and 0 for any
    /// other (<see cref="FindingsModel.BedsideContext"/>, <see cref="WindowSources.IsBedside"/>).
    /// </summary>
    public void CopyRhythm(ReadOnlySpan<int> indices, Span<float> rows, int contexts)
    {
        if (contexts is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(contexts), contexts, "one context column at most");
        int f = RhythmFeatureCount, width = f + contexts;
        for (int b = 0; b < indices.Length; b++)
        {
            Rhythm(indices[b]).CopyTo(rows.Slice(b * width, f));
            if (contexts == 1) rows[b * width + f] = WindowSources.IsBedside(_sources[indices[b]]) ? FindingsModel.BedsideContext[0] : 0f;
        }
    }

    /// <summary>Indices of windows whose patient satisfies <paramref name="predicate"/>.</summary>
    public int[] IndicesWhere(Func<string, bool> predicate)
    {
        var list = new List<int>();
        for (int i = 0; i < Count; i++) if (predicate(_patients[i])) list.Add(i);
        return list.ToArray();
    }

    public int[] AllIndices() => Enumerable.Range(0, Count).ToArray();
}
