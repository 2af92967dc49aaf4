namespace CGDmer.Pipeline.Windowing;

/// <summary>
/// The model-rate row last resampled from one lead's ring, kept so that the next window, a hop later, copies the outputs
/// the two rows share instead of computing them again (at the default hop, half of each row).
/// </summary>
/// <remarks>
/// Reuse is exact: only rows whose whole native span (margins included) was present are kept or reused, and the ring
/// forgets a kept row when it forgets any of its span (<see cref="Invalidate"/>). A shared output then reads the same
/// samples in both spans, and the margin (at least the filter's reach) keeps every output's filter inside its span, so
/// the copied outputs are bit-identical to computed ones.
/// </remarks>
internal sealed class ResampledRowCache
{
    private float[] _outputs = [];   // the kept row, as long as the rows
    private NativeLayout? _layout;
    private long _from, _to;   // the kept row's native span; empty when nothing is kept

    /// <summary>
    /// Resamples <paramref name="native"/>, the native span starting at absolute index <paramref name="from"/>, into the
    /// window row <paramref name="row"/> with <paramref name="layout"/>, as
    /// <c>layout.Resampler.ResampleAt(native, row, layout.OutputPosition)</c> does. <paramref name="complete"/>: every
    /// sample of the span was present (none held).
    /// </summary>
    /// <returns>How many leading outputs were copied from the kept row.</returns>
    public int Resample(NativeLayout layout, long from, ReadOnlySpan<float> native, bool complete, Span<float> row, bool reuse = true)
    {
        int shared = complete && reuse ? CopyShared(layout, from, row) : 0;
        var resampler = layout.Resampler;
        resampler.ResampleAt(native, row[shared..], layout.OutputPosition + (long)shared * resampler.Down);
        if (!complete)
        {
            _to = _from;
            return 0;
        }
        if (_outputs.Length != row.Length) _outputs = new float[row.Length];
        row.CopyTo(_outputs);
        (_layout, _from, _to) = (layout, from, from + native.Length);
        return shared;
    }

    /// <summary>Forgets the kept row if its span overlaps [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public void Invalidate(long from, long to)
    {
        if (from < _to && to > _from) _to = _from;
    }

    /// <summary>Copies the kept row's outputs that fall on <paramref name="row"/>'s first outputs; returns how many.</summary>
    private int CopyShared(NativeLayout layout, long from, Span<float> row)
    {
        if (_to == _from || !ReferenceEquals(layout, _layout) || _outputs.Length != row.Length || from <= _from) return 0;
        // Output j of this row sits where output j + shift of the kept one does when the spans differ by whole outputs.
        long upsampled = (from - _from) * layout.Resampler.Up;
        if (upsampled % layout.Resampler.Down != 0) return 0;
        long shift = upsampled / layout.Resampler.Down;
        if (shift >= row.Length) return 0;
        int shared = row.Length - (int)shift;
        _outputs.AsSpan((int)shift, shared).CopyTo(row);
        return shared;
    }
}
