using System.Buffers;
using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;

namespace CGDmer.Pipeline.Inference;

/// <summary>
/// The model as the infer stage sees it: its metadata and a batched forward pass. Implemented over ONNX Runtime by
/// <c>OnnxFindingsSession</c>; tests use fakes. Not thread-safe: the infer stage calls it from one worker.
/// </summary>
public interface IFindingsModel : IDisposable
{
    ModelMetadata Metadata { get; }
    WindowGeometry Geometry { get; }
    /// <summary>Largest batch <see cref="Run(int, Span{float})"/> accepts (its input buffers are allocated for this many windows).</summary>
    int MaxBatchSize { get; }

    /// <summary>
    /// Runs the model on <paramref name="count"/> windows whose inputs were written by the caller into
    /// <see cref="EcgInput"/> ([count × leads × samples]) and <see cref="LeadMaskInput"/> ([count × leads]), with all of
    /// the model's leads in <see cref="WindowGeometry.LeadOrder"/>; writes the probabilities, [count × labels], into
    /// <paramref name="probabilities"/>.
    /// </summary>
    void Run(int count, Span<float> probabilities);

    /// <summary>
    /// Runs the model on <paramref name="count"/> windows that share one lead set: the caller wrote only those rows,
    /// compacted, into <see cref="EcgInput"/> ([count × leads.Length × samples], row j of a window = lead
    /// <c>leads[j]</c>) and <see cref="LeadMaskInput"/> ([count × leads.Length]). A model whose graph takes a dynamic
    /// lead axis (contract version 2) computes only those rows, which for a 2-lead monitor is several times cheaper than
    /// the 12-row layout and gives the same probabilities, because absent leads are masked out of everything anyway.
    /// </summary>
    /// <param name="leads">Distinct leads the model knows (<see cref="WindowGeometry.RowOf"/> ≥ 0), 1..LeadCount of them, any order.</param>
    /// <remarks>
    /// The default implementation, for models that only take the full layout, spreads the compacted rows out to their
    /// model rows in place (absent rows zero and masked) and calls <see cref="Run(int, Span{float})"/>.
    /// </remarks>
    void Run(int count, ReadOnlySpan<Lead> leads, Span<float> probabilities)
    {
        var g = Geometry;
        int k = leads.Length, all = g.LeadCount, s = g.WindowSamples;
        if (count < 1 || count > MaxBatchSize) throw new ArgumentOutOfRangeException(nameof(count), count, $"must be within 1..{MaxBatchSize}");
        Span<int> rows = stackalloc int[k];
        LeadSets.ToRows(g, leads, rows);
        var ecg = EcgInput.Span;
        var mask = LeadMaskInput.Span;
        var rowBuffer = ArrayPool<float>.Shared.Rent(k * s);
        Span<float> maskBuffer = stackalloc float[k];
        try
        {
            // Last window first: the full layout is at least as long as the compacted one, so window w's destination
            // never overlaps the (still unread) sources of windows before it. Within a window, a copy first.
            for (int w = count - 1; w >= 0; w--)
            {
                ecg.Slice(w * k * s, k * s).CopyTo(rowBuffer);
                mask.Slice(w * k, k).CopyTo(maskBuffer);
                ecg.Slice(w * all * s, all * s).Clear();
                mask.Slice(w * all, all).Clear();
                for (int j = 0; j < k; j++)
                {
                    rowBuffer.AsSpan(j * s, s).CopyTo(ecg.Slice((w * all + rows[j]) * s, s));
                    mask[w * all + rows[j]] = maskBuffer[j];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rowBuffer);
        }
        Run(count, probabilities);
    }

    /// <summary>The pre-allocated input buffer of the ecg tensor, [MaxBatchSize × leads × samples] for all the model's leads.</summary>
    Memory<float> EcgInput { get; }
    /// <summary>The pre-allocated input buffer of the lead mask, [MaxBatchSize × leads].</summary>
    Memory<float> LeadMaskInput { get; }

    /// <summary>
    /// The pre-allocated input buffer of the rhythm features (contract version 3), [MaxBatchSize × features]: row w holds
    /// window w's <see cref="CGDmer.Signal.Beats.RhythmFeatures"/>, written by the caller like <see cref="EcgInput"/>
    /// (one row per window whatever its lead set). Empty when the model takes no rhythm input
    /// (<see cref="ModelMetadata.HasRhythmInput"/> false), which is the default for models that predate it.
    /// </summary>
    Memory<float> RhythmFeaturesInput => Memory<float>.Empty;
}

/// <summary>Checks on a lead set passed to <see cref="IFindingsModel.Run(int, ReadOnlySpan{Lead}, Span{float})"/>.</summary>
public static class LeadSets
{
    /// <summary>
    /// Writes the model row of each lead into <paramref name="rows"/>; throws <see cref="ArgumentException"/> for an
    /// empty set, more leads than the model has, a lead it does not know, or a repeat.
    /// </summary>
    public static void ToRows(WindowGeometry geometry, ReadOnlySpan<Lead> leads, Span<int> rows)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        if (leads.Length == 0 || leads.Length > geometry.LeadCount)
            throw new ArgumentException($"a lead set has 1..{geometry.LeadCount} leads, this one has {leads.Length}", nameof(leads));
        int seen = 0;
        for (int j = 0; j < leads.Length; j++)
        {
            int row = geometry.RowOf(leads[j]);
            if (row < 0) throw new ArgumentException($"the model has no lead {leads[j]}", nameof(leads));
            if ((seen & (1 << row)) != 0) throw new ArgumentException($"lead {leads[j]} appears twice in the lead set", nameof(leads));
            seen |= 1 << row;
            rows[j] = row;
        }
    }
}
