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
        for (int k = 2; k <= BoundedCache<int, string>.DefaultMaxEntries; k++) _ = cache[k];
        Assert.Equal(BoundedCache<int, string>.DefaultMaxEntries, cache.Count);
        _ = cache[0];   // one past the bound: the cache starts again with it
        Assert.Equal(1, cache.Count);
        _ = cache[1];
        Assert.Equal(BoundedCache<int, string>.DefaultMaxEntries + 2, builds);
    }

    [Fact]
    public void Keeps_as_many_entries_as_it_is_told()
    {
        int builds = 0;
        var cache = new BoundedCache<int, string>(k => { builds++; return "v" + k; }, maxEntries: 3);
        for (int k = 0; k < 3; k++) _ = cache[k];
        for (int k = 0; k < 3; k++) _ = cache[k];
        Assert.Equal(3, builds);
        _ = cache[3];
        Assert.Equal(1, cache.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedCache<int, string>(k => "", maxEntries: 0));
    }
}
