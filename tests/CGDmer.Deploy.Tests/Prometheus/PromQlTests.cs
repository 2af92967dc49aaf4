namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>The tests' PromQL helpers: metric names out of expressions, histogram families, Grafana variables.</summary>
public sealed class PromQlTests
{
    [Fact]
    public void Metric_names_are_found_outside_strings_and_numbers()
    {
        const string expr = """
            histogram_quantile(0.99, sum by (job, le) (rate(cgdmer_end_to_end_latency_seconds_bucket{instance=~"cgdmer_x.*"}[5m]))) > 1
            and on (job) sum by (job) (cgdmer_kafka_consumer_lag_messages offset 1m) / 1e3 > 0x1F
            # cgdmer_in_a_comment
            or label_replace(up{job='cgdmer_not_a_metric'}, "x", "$1", "instance", "(.*)")
            """;
        Assert.Equal(["cgdmer_end_to_end_latency_seconds_bucket", "cgdmer_kafka_consumer_lag_messages"], PromQl.CgdmerNames(expr));
        Assert.Equal(["instance", "job", "le"], PromQl.LabelNames(expr));
    }

    [Fact]
    public void Histogram_series_map_to_their_family_and_other_names_to_themselves()
    {
        var histograms = new HashSet<string> { "cgdmer_batch_size" };
        Assert.Equal("cgdmer_batch_size", PromQl.Family("cgdmer_batch_size_bucket", histograms));
        Assert.Equal("cgdmer_batch_size", PromQl.Family("cgdmer_batch_size_count", histograms));
        Assert.Equal("cgdmer_batch_size", PromQl.Family("cgdmer_batch_size_sum", histograms));
        Assert.Equal("cgdmer_windows_total", PromQl.Family("cgdmer_windows_total", histograms));
        Assert.Equal("cgdmer_other_count", PromQl.Family("cgdmer_other_count", histograms));
    }

    [Fact]
    public void Grafana_variables_are_replaced_by_what_Prometheus_evaluates()
    {
        Assert.Equal("""sum(rate(x{instance=~".*"}[1m])) + y[1m] + z[1m]""",
                     PromQl.WithoutGrafanaVariables("""sum(rate(x{instance=~"$instance"}[$__rate_interval])) + y[${__interval}] + z[$__range]"""));
        Assert.Throws<InvalidOperationException>(() => PromQl.WithoutGrafanaVariables("x{ward=\"$ward\"}"));
    }
}
