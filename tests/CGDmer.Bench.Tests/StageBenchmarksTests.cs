using System.Reflection;
using BenchmarkDotNet.Attributes;
using CGDmer.Bench.Stages;

namespace CGDmer.Bench.Tests;

/// <summary>
/// Each stage benchmark runs once, untimed, with its first parameter values: set-up, every benchmark method, clean-up.
/// Keeps them working as the stages change; the figures come only from running them under BenchmarkDotNet.
/// </summary>
public class StageBenchmarksTests
{
    private static IEnumerable<string> ClassNames() =>
        typeof(RepositoryFiles).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> Classes() => [.. ClassNames()];

    [Fact]
    public void Every_stage_with_its_own_cost_has_a_benchmark()
    {
        // BeatStream: the streaming beat path the measure stage is to take its beats from (issue 13).
        string[] stages = ["Validate", "Window", "BeatStream", "Measure", "Infer", "ToFhir"];
        Assert.Equal(stages.Select(s => s + "Benchmarks").Order(StringComparer.Ordinal), ClassNames());
    }

    [Theory]
    [MemberData(nameof(Classes))]
    public void A_benchmark_class_runs_once(string name)
    {
        var type = typeof(RepositoryFiles).Assembly.GetTypes().Single(t => t.Name == name);
        var instance = Activator.CreateInstance(type)!;
        foreach (var p in type.GetProperties())
            if (p.GetCustomAttribute<ParamsAttribute>() is { } values) p.SetValue(instance, values.Values[0]);
        Invoke<GlobalSetupAttribute>(type, instance);
        try
        {
            var benchmarks = type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).ToList();
            Assert.NotEmpty(benchmarks);
            foreach (var m in benchmarks) m.Invoke(instance, null);
        }
        finally
        {
            Invoke<GlobalCleanupAttribute>(type, instance);
        }
    }

    private static void Invoke<TAttribute>(Type type, object instance) where TAttribute : Attribute
    {
        foreach (var m in type.GetMethods().Where(m => m.GetCustomAttribute<TAttribute>() is not null)) m.Invoke(instance, null);
    }
}
