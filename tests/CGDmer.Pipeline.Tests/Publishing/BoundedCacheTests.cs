using CGDmer.Pipeline.Publishing;

namespace CGDmer.Pipeline.Tests.Publishing;

public class BoundedCacheTests
{
    [Fact]
    public void Builds_each_entry_once_and_starts_again_past_its_bound()
    {
        int builds = 0;
        var cache = new BoundedCache<int, string>(k => { builds++; return "v" + k; });
        Assert.Equal("v1", cache[1]);
        Assert.Same(cache[1], cache[1]);
        Assert.Equal(1, builds);
        for (int k = 2; k <= BoundedCache<int, string>.MaxEntries; k++) _ = cache[k];
        Assert.Equal(BoundedCache<int, string>.MaxEntries, cache.Count);
        _ = cache[0];   // one past the bound: the cache starts again with it
        Assert.Equal(1, cache.Count);
        _ = cache[1];
        Assert.Equal(BoundedCache<int, string>.MaxEntries + 2, builds);
    }
}
