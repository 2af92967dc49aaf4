using CGDmer.Pipeline.Batching;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static CGDmer.TestSupport.TestWindows;

namespace CGDmer.Pipeline.Tests.Batching;

public class WindowBatcherTests
{
    private static WindowBatcher Batcher(int size) => new(new BatchingOptions { MaxBatchSize = size });

    [Fact]
    public void Closes_a_batch_when_it_holds_MaxBatchSize_analyzable_windows()
    {
        var b = Batcher(3);
        Assert.Null(b.Add(Make(1, 0), out bool opened));
        Assert.True(opened);
        Assert.Null(b.Add(Make(2, 0), out opened));
        Assert.False(opened);
        var batch = b.Add(Make(3, 0), out _);
        Assert.NotNull(batch);
        Assert.Equal(0, batch.Sequence);
        Assert.Equal(3, batch.AnalyzableCount);
        Assert.Equal(["patient-1#0", "patient-2#0", "patient-3#0"], batch.Windows.Select(Key));
        Assert.False(b.HasPending);
        Assert.Null(b.Flush());
    }

    [Fact]
    public void Windows_without_signal_ride_along_without_counting()
    {
        var b = Batcher(2);
        Assert.Null(b.Add(Make(1, 0), out _));
        Assert.Null(b.Add(Make(2, 0, analyzable: false), out bool opened));
        Assert.False(opened);
        Assert.Null(b.Add(Make(3, 0, analyzable: false), out _));
        var batch = b.Add(Make(4, 0), out _)!;
        Assert.Equal(4, batch.Windows.Count);
        Assert.Equal(2, batch.AnalyzableCount);
        Assert.Equal(["patient-1#0", "patient-2#0", "patient-3#0", "patient-4#0"], batch.Windows.Select(Key));
    }

    [Fact]
    public void A_window_without_signal_alone_is_closed_at_once()
    {
        var b = Batcher(8);
        var batch = b.Add(Make(1, 0, analyzable: false), out bool opened);
        Assert.False(opened);   // no delay clock for a batch that needs no model
        Assert.NotNull(batch);
        Assert.Equal(0, batch.AnalyzableCount);
        Assert.Single(batch.Windows);
        Assert.False(b.HasPending);
        Assert.Equal(1, b.NextSequence);
    }

    [Fact]
    public void Flush_closes_the_partial_batch_and_numbers_continue()
    {
        var b = Batcher(8);
        b.Add(Make(1, 0), out _);
        b.Add(Make(1, 1), out _);
        var first = b.Flush()!;
        Assert.Equal(0, first.Sequence);
        Assert.Equal(2, first.Windows.Count);
        Assert.Null(b.Flush());
        b.Add(Make(1, 2), out bool opened);
        Assert.True(opened);
        Assert.Equal(1, b.Flush()!.Sequence);
    }

    [Fact]
    public void Batch_size_one_closes_on_every_analyzable_window()
    {
        var b = Batcher(1);
        Assert.Equal(0, b.Add(Make(1, 0), out _)!.Sequence);
        Assert.Equal(1, b.Add(Make(1, 1, analyzable: false), out _)!.Sequence);
        Assert.Equal(2, b.Add(Make(1, 2), out _)!.Sequence);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Equal("MaxBatchSize", Assert.Throws<ArgumentException>(() => new BatchingOptions { MaxBatchSize = 0 }.Validate()).ParamName);
        Assert.Equal("MaxDelayMilliseconds", Assert.Throws<ArgumentException>(() => new BatchingOptions { MaxDelayMilliseconds = -1 }.Validate()).ParamName);
        Assert.Equal("MaxDelayMilliseconds", Assert.Throws<ArgumentException>(() => new BatchingOptions { MaxDelayMilliseconds = double.NaN }.Validate()).ParamName);
        Assert.Throws<ArgumentException>(() => new WindowBatcher(new BatchingOptions { MaxBatchSize = -3 }));
        new BatchingOptions { MaxBatchSize = 1, MaxDelayMilliseconds = 0 }.Validate();
    }

    /// <summary>
    /// For any sequence of windows and flush points: every window comes out exactly once and in order, no batch is empty
    /// or holds more than MaxBatchSize analyzable windows, a batch without analyzable windows holds exactly one window,
    /// and sequences count 0, 1, 2, ….
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Batches_partition_the_stream_in_order()
    {
        var steps = Gen.Elements(0, 1, 2).ListOf(); // 0 = analyzable window, 1 = window without signal, 2 = flush (timer)
        return Prop.ForAll(Gen.Choose(1, 6).ToArbitrary(), steps.ToArbitrary(), (size, plan) =>
        {
            var b = Batcher(size);
            var batches = new List<WindowBatch>();
            var sent = new List<string>();
            int i = 0;
            foreach (var step in plan)
            {
                WindowBatch? closed;
                if (step == 2) closed = b.Flush();
                else
                {
                    var w = Make(1, i++, analyzable: step == 0);
                    sent.Add(Key(w));
                    closed = b.Add(w, out _);
                }
                if (closed is not null) batches.Add(closed);
                if (b.HasPending) Assert.InRange(b.PendingAnalyzable, 1, size - 1);
            }
            if (b.Flush() is { } last) batches.Add(last);
            Assert.Equal(sent, batches.SelectMany(x => x.Windows).Select(Key));
            Assert.Equal(Enumerable.Range(0, batches.Count).Select(x => (long)x), batches.Select(x => x.Sequence));
            foreach (var x in batches)
            {
                Assert.NotEmpty(x.Windows);
                Assert.InRange(x.AnalyzableCount, 0, size);
                if (x.AnalyzableCount == 0) Assert.Single(x.Windows);
            }
        });
    }
}
