using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// The dimensionless quantities (UCUM "1") the Observations carry: the model's probabilities and the measurement ratios,
/// rounded to a few decimals. Every value from 0 to 1 at up to <see cref="MaxScale"/> decimals has a slot of its own,
/// filled with a frozen quantity on first use, so a lookup neither hashes nor locks, and no mix of values can make the
/// store forget and rebuild. Other values get a quantity of their own, not frozen. Thread-safe: threads asking at once
/// for a value get the same quantity.
/// </summary>
internal sealed class DimensionlessQuantities
{
    /// <summary>The one the Observation factories share (a quantity depends on no option).</summary>
    public static DimensionlessQuantities Shared { get; } = new();

    /// <summary>The most decimals a kept value has.</summary>
    public const int MaxScale = 4;

    // Slots[s][n] holds n / 10^s written with s decimals: 0.5 (s = 1) and 0.5000 (s = 4) are equal decimals with
    // different JSON, so they have different slots. All of them together are about 11,000 references.
    private readonly Quantity?[][] _slots = Enumerable.Range(0, MaxScale + 1)
        .Select(s => new Quantity?[(int)Math.Pow(10, s) + 1]).ToArray();

    /// <summary>The quantity of <paramref name="value"/>: shared and frozen when it has a slot, read-only either way.</summary>
    public Quantity For(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        int scale = value.Scale;
        // Non-negative (−0 is written "-0"), the digits in the low word, at most 10^scale: a value from 0 to 1.
        if (scale <= MaxScale && bits[3] >= 0 && bits[1] == 0 && bits[2] == 0 && (uint)bits[0] < (uint)_slots[scale].Length)
        {
            ref var slot = ref _slots[scale][bits[0]];
            return Volatile.Read(ref slot)
                ?? Interlocked.CompareExchange(ref slot, FhirJsonFastWriter.Freeze(Build(value)), null)
                ?? slot!;
        }
        return Build(value);
    }

    /// <summary>Whether <paramref name="value"/> has a slot (for tests).</summary>
    internal bool IsKept(decimal value) => ReferenceEquals(For(value), For(value));

    private static Quantity Build(decimal value) =>
        new() { Value = value, Unit = "1", System = ObservationFactory.Ucum, Code = "1" };
}
