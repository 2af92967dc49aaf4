// libtorch's random generator and thread count are process-wide: a test that seeds them and expects the same run twice
// must not share the process with another test drawing from them at the same time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
