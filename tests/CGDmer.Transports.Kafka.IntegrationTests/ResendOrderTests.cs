namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>The outage test's order check (<see cref="BrokerSmokeTests.ResendViolation"/>): re-sends pass, reordering
/// does not. Needs no broker.</summary>
public sealed class ResendOrderTests
{
    [Theory]
    [InlineData(new ulong[] { })]
    [InlineData(new ulong[] { 7 })]
    [InlineData(new ulong[] { 1, 2, 3, 4 })]
    [InlineData(new ulong[] { 1, 2, 5, 6 })]                  // a gap: sends that failed are not in the log
    [InlineData(new ulong[] { 1, 2, 3, 3, 4 })]               // one segment sent again
    [InlineData(new ulong[] { 1, 2, 3, 1, 2, 3, 4 })]         // a request of three sent again
    [InlineData(new ulong[] { 1, 2, 3, 2, 3, 2, 3, 4 })]      // and a third time
    [InlineData(new ulong[] { 1, 2, 3, 2, 3 })]               // the re-send is the end of the log
    public void Production_order_with_resends_passes(ulong[] sequences) =>
        Assert.Null(BrokerSmokeTests.ResendViolation(sequences));

    [Theory]
    [InlineData(new ulong[] { 1, 3, 2 })]                     // a newer segment overtook an older one
    [InlineData(new ulong[] { 1, 2, 3, 2, 4 })]               // the re-send stops short of the newest
    [InlineData(new ulong[] { 1, 2, 3, 1, 3, 4 })]            // the re-send skips one
    [InlineData(new ulong[] { 1, 2, 3, 1, 2 })]               // the log ends inside the re-send
    [InlineData(new ulong[] { 5, 6, 0 })]                     // back to sequence 0
    public void Reordering_fails_naming_where(ulong[] sequences)
    {
        var violation = BrokerSmokeTests.ResendViolation(sequences);
        Assert.NotNull(violation);
        Assert.Contains("out of order at", violation);
    }
}
