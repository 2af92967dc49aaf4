using System.Globalization;
using CGDmer.Pipeline.Publishing;
using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Tests.Publishing;

public class DimensionlessQuantitiesTests
{
    private static IEnumerable<decimal> AllAtScale(int scale)
    {
        int n = (int)Math.Pow(10, scale);
        for (int i = 0; i <= n; i++) yield return new decimal(i, 0, 0, false, (byte)scale);
    }

    [Fact]
    public void Every_value_from_0_to_1_at_up_to_four_decimals_keeps_one_quantity_whatever_the_mix()
    {
        // A ward publishes thousands of distinct probabilities; none may push another out (a bounded cache of 4,096 would).
        var quantities = new DimensionlessQuantities();
        var values = Enumerable.Range(0, DimensionlessQuantities.MaxScale + 1).SelectMany(AllAtScale).ToArray();
        var first = values.Select(quantities.For).ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            var again = quantities.For(values[i]);
            Assert.Same(first[i], again);
            Assert.Equal(values[i], again.Value);
            Assert.Equal(values[i].Scale, again.Value!.Value.Scale);
            Assert.Equal("1", again.Code);
            Assert.Equal(ObservationFactory.Ucum, again.System);
        }
    }

    [Fact]
    public void Equal_values_written_differently_do_not_share_and_write_as_Firely_does()
    {
        var quantities = new DimensionlessQuantities();
        var half = quantities.For(0.5m);
        var halfAtFour = quantities.For(0.5000m);
        Assert.NotSame(half, halfAtFour);
        Assert.Equal("0.5", half.Value!.Value.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("0.5000", halfAtFour.Value!.Value.ToString(CultureInfo.InvariantCulture));
        var negativeZero = -0.000m;
        Assert.True(decimal.IsNegative(negativeZero));
        foreach (var v in new[] { 0m, 0.0000m, 1m, 1.0000m, 0.5m, 0.5000m, 0.0001m, negativeZero, -0.25m, 1.5m, 2.001m, 123456.7890m, 0.12345m })
        {
            var q = quantities.For(v);
            Assert.Equal(v.ToString(CultureInfo.InvariantCulture), q.Value!.Value.ToString(CultureInfo.InvariantCulture));
            var observation = new Observation { Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "1"), Value = q };
            Assert.Equal(FhirNdjson.SerializeWithFirely(observation), FhirNdjson.Serialize(observation));
        }
    }

    [Fact]
    public void Values_outside_0_to_1_or_past_four_decimals_get_a_quantity_of_their_own()
    {
        var quantities = new DimensionlessQuantities();
        Assert.True(quantities.IsKept(0.4100m));
        Assert.False(quantities.IsKept(-0.0m));
        Assert.False(quantities.IsKept(-0.25m));
        Assert.False(quantities.IsKept(1.001m));
        Assert.False(quantities.IsKept(0.12345m));
    }

    [Fact]
    public void Threads_asking_at_once_get_the_same_quantity()
    {
        // Fresh tables, threads released together over the same values in the same order, so that they race for slots.
        var values = AllAtScale(4).ToArray();
        const int threads = 4;
        for (int round = 0; round < 10; round++)
        {
            var quantities = new DimensionlessQuantities();
            var seen = new Quantity[threads][];
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                seen[t] = values.Select(quantities.For).ToArray();
            })).ToArray();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
            for (int i = 0; i < values.Length; i++)
                for (int t = 1; t < threads; t++) Assert.Same(seen[0][i], seen[t][i]);
        }
    }
}
