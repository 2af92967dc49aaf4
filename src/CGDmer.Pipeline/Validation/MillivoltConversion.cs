using System.Collections.Concurrent;
using System.Globalization;
using Fhir.Metrics;

namespace CGDmer.Pipeline.Validation;

/// <summary>
/// Factor from a UCUM unit to millivolts, computed once per distinct unit string by Fhir.Metrics and cached
/// (the validator calls this per lead per segment).
/// </summary>
public static class MillivoltConversion
{
    private const string Ucum = "http://unitsofmeasure.org";
    private static readonly FhirMetricService Service;
    private static readonly Lazy<SystemOfUnits> System = new(UCUM.Load);

    static MillivoltConversion()
    {
        // Fhir.Metrics' Exponential type creates CultureInfo("en-US") in its static constructor, which throws under
        // InvariantGlobalization (Directory.Build.props) unless the host sets
        // <PredefinedCulturesOnly>false</PredefinedCulturesOnly> (as CGDmer.Pipeline.Tests does). Without it every
        // unit is unknown and SegmentValidationOptions.Validate() fails loudly at startup.
        Service = new FhirMetricService();
    }
    // The cache holds failures too (NaN) so a bad unit string is not re-parsed on every segment; bounded so that a
    // stream of random unit strings cannot grow it without limit.
    private static readonly ConcurrentDictionary<string, double> Cache = new(StringComparer.Ordinal);
    private const int MaxCached = 1024;

    /// <summary>Millivolts per one <paramref name="unit"/>; false when the unit is not UCUM or not a voltage.</summary>
    public static bool TryGetFactor(string? unit, out double factor)
    {
        factor = double.NaN;
        if (string.IsNullOrEmpty(unit) || unit.Length > 32) return false;
        if (!Cache.TryGetValue(unit, out factor))
        {
            factor = Compute(unit);
            if (Cache.Count < MaxCached) Cache.TryAdd(unit, factor);
        }
        return double.IsFinite(factor) && factor > 0;
    }

    private static double Compute(string unit)
    {
        try
        {
            if (Service.TryConvertTo(("1", unit, Ucum), "mV", out var result) && result is { } r &&
                r.unit == "mV" && double.TryParse(r.value, NumberStyles.Float, CultureInfo.InvariantCulture, out var f))
                return f;
            return double.NaN;
        }
        catch (NotImplementedException)
        {
            return ComputeWithSystemOfUnits(unit);
        }
        catch (Exception)
        {
            return double.NaN;
        }
    }

    private static double ComputeWithSystemOfUnits(string unit)
    {
        try
        {
            var q = Exponential.Exact("1") * System.Value.Metric(unit);
            var mv = System.Value.Convert(q, "mV");
            return (double)mv.Value.ToDecimal();
        }
        catch (Exception)
        {
            return double.NaN;
        }
    }
}
