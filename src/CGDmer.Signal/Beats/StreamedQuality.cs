namespace CGDmer.Signal.Beats;

/// <summary>
/// The beat stream's quality inside one window, lead row by lead row: the per-second <see cref="QualityBlock"/>s that
/// cover the window and the second detector's final beats in it (sample indices relative to the window's start), what
/// <see cref="BeatMeasurer"/> computes a streamed lead's signal quality from instead of filtering and detecting again.
/// Row r's blocks are <c>blocks[blockStarts[r]..blockStarts[r + 1]]</c>, its beats
/// <c>secondBeats[beatStarts[r]..beatStarts[r + 1]]</c>.
/// </summary>
public readonly ref struct StreamedQuality
{
    private readonly ReadOnlySpan<int> _blockStarts, _beatStarts;
    private readonly ReadOnlySpan<QualityBlock> _blocks;
    private readonly ReadOnlySpan<int> _secondBeats;

    /// <exception cref="ArgumentException">The starts describe different numbers of rows, descend, or point outside their spans.</exception>
    public StreamedQuality(ReadOnlySpan<int> blockStarts, ReadOnlySpan<QualityBlock> blocks, ReadOnlySpan<int> beatStarts, ReadOnlySpan<int> secondBeats)
    {
        if (blockStarts.Length < 2 || beatStarts.Length != blockStarts.Length)
            throw new ArgumentException("block and beat starts need one entry per row and one after the last, as many of each", nameof(blockStarts));
        Check(blockStarts, blocks.Length, nameof(blockStarts));
        Check(beatStarts, secondBeats.Length, nameof(beatStarts));
        _blockStarts = blockStarts;
        _blocks = blocks;
        _beatStarts = beatStarts;
        _secondBeats = secondBeats;
    }

    private static void Check(ReadOnlySpan<int> starts, int length, string name)
    {
        for (int r = 0; r + 1 < starts.Length; r++)
            if (starts[r] < 0 || starts[r] > starts[r + 1] || starts[r + 1] > length)
                throw new ArgumentException($"row {r}'s entries [{starts[r]}, {starts[r + 1]}) are not within the {length} given", name);
    }

    /// <summary>Rows described.</summary>
    public int RowCount => _blockStarts.Length - 1;

    /// <summary>Row <paramref name="row"/>'s quality blocks, ascending (empty out of range).</summary>
    public ReadOnlySpan<QualityBlock> Blocks(int row) => (uint)row < (uint)RowCount ? _blocks[_blockStarts[row].._blockStarts[row + 1]] : [];

    /// <summary>Row <paramref name="row"/>'s second-detector beats, ascending, relative to the window's start (empty out of range).</summary>
    public ReadOnlySpan<int> SecondBeats(int row) => (uint)row < (uint)RowCount ? _secondBeats[_beatStarts[row].._beatStarts[row + 1]] : [];
}
