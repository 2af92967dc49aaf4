namespace CGDmer.Signal.Beats;

/// <summary>
/// The beat stream's final beats inside one window, lead row by lead row: what <see cref="BeatMeasurer"/> reads in place
/// of detecting again. Row r's beats are <c>beats[rowStarts[r]..rowStarts[r + 1]]</c>, ascending, with samples relative to
/// the window's start and within it. A row that is not streamed is never measured, whether or not it is present.
/// </summary>
/// <remarks>The stream's beats near the window's end are not final yet (<see cref="StreamingBeatClassifier.LookAheadSeconds"/>,
/// or a search-back); the next window, overlapping this one, has them.</remarks>
public readonly ref struct StreamedBeats
{
    private readonly ReadOnlySpan<ClassifiedBeat> _beats;
    private readonly ReadOnlySpan<int> _rowStarts;
    private readonly int _streamedRows;

    /// <param name="streamedRows">Bit r set: row r is streamed (at most 32 rows).</param>
    /// <param name="rowStarts">One entry per row and one after the last row: where each row's beats begin in <paramref name="beats"/>.</param>
    /// <param name="beats">Every streamed row's beats, row after row.</param>
    /// <exception cref="ArgumentException">The row starts are fewer than two, descend, or point outside <paramref name="beats"/>.</exception>
    public StreamedBeats(int streamedRows, ReadOnlySpan<int> rowStarts, ReadOnlySpan<ClassifiedBeat> beats)
    {
        if (rowStarts.Length < 2)
            throw new ArgumentException("row starts need one entry per row and one after the last", nameof(rowStarts));
        for (int r = 0; r + 1 < rowStarts.Length; r++)
            if (rowStarts[r] < 0 || rowStarts[r] > rowStarts[r + 1] || rowStarts[r + 1] > beats.Length)
                throw new ArgumentException($"row {r}'s beats [{rowStarts[r]}, {rowStarts[r + 1]}) are not within the {beats.Length} beats", nameof(rowStarts));
        _streamedRows = streamedRows;
        _rowStarts = rowStarts;
        _beats = beats;
    }

    /// <summary>Rows the starts describe.</summary>
    public int RowCount => _rowStarts.Length - 1;

    /// <summary>Whether row <paramref name="row"/> is streamed.</summary>
    public bool IsStreamed(int row) => (uint)row < 32 && (_streamedRows & (1 << row)) != 0 && row < RowCount;

    /// <summary>Row <paramref name="row"/>'s beats in the window (empty for a row that is not streamed or out of range).</summary>
    public ReadOnlySpan<ClassifiedBeat> Row(int row) =>
        IsStreamed(row) ? _beats[_rowStarts[row].._rowStarts[row + 1]] : [];
}
