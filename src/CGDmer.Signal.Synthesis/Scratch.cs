namespace CGDmer.Signal.Synthesis;

/// <summary>Per-thread reusable work buffers (exact length, zeroed on request) so that generating many records of the same size does not churn the large-object heap.</summary>
internal sealed class Scratch
{
    [ThreadStatic] private static Scratch? _current;
    private readonly double[]?[] _buffers = new double[32][];

    public static Scratch Current => _current ??= new Scratch();

    public double[] Zeroed(int slot, int length)
    {
        var b = _buffers[slot];
        if (b is null || b.Length != length) _buffers[slot] = b = new double[length];
        else Array.Clear(b);
        return b;
    }
}
