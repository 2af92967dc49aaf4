using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests;

/// <summary>
/// The measure stage's fast paths against the plain code they replace: selection against a full sort, the interleaved
/// zero-phase filters against <see cref="BiquadCascade.FiltFilt"/>, the allocation-free detector against the array one,
/// the streaming detector skipping its decisions against running them at every sample.
/// Equality is exact (bitwise), because the fast paths promise the same results, not close ones.
/// </summary>
public class FastPathTests
{
    [Property(MaxTest = 300)]
    public bool The_beat_classifier_s_correlation_from_energies_computed_once_equals_the_three_sum_correlation(NonEmptyArray<NormalFloat> input, int seed)
    {
        // The classifier computes each alignment's segment energy once per beat and each template's once per beat, then
        // only Σ ab per pair: the same sums, in the same order, as one loop summing all three.
        var a = input.Get.Select(v => (float)v.Get).ToArray();
        var rng = new Random(seed);
        var b = a.Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        double plain = aa > 0 && bb > 0 ? ab / Math.Sqrt(aa * bb) : 0;
        double shared = StreamingBeatClassifier.Correlation(a, StreamingBeatClassifier.Energy(a), b, StreamingBeatClassifier.Energy(b));
        return BitConverter.DoubleToInt64Bits(plain) == BitConverter.DoubleToInt64Bits(shared);
    }

    /// <summary>A signal for whole vectors of shifted segments: 8 to 24 lanes, segments of 1 to 64 samples, values of mixed scale.</summary>
    private static (int Lanes, int Length, float[] Shifted, Random Rng) Shifted(NonEmptyArray<NormalFloat> input, PositiveInt groups, int seed)
    {
        int lanes = 8 * (1 + groups.Get % 3);
        var rng = new Random(seed);
        int length = 1 + rng.Next(64);
        var shifted = new float[length + lanes];
        for (int i = 0; i < shifted.Length; i++) shifted[i] = (float)input.Get[i % input.Get.Length].Get * (float)(1 + rng.NextDouble() * 1e3);
        return (lanes, length, shifted, rng);
    }

    [Property(MaxTest = 300)]
    public bool The_beat_classifier_s_alignments_a_vector_of_shifts_at_a_time_equal_segment_energy_and_correlation_one_by_one(
        NonEmptyArray<NormalFloat> input, PositiveInt groups, int seed)
    {
        // The classifier cuts a beat's segment at every shift within ±30 ms in vector lanes: each lane's mean, energy
        // and Σ ab with a template must be those of cutting that one segment (Segment: the samples minus their mean
        // in single precision), Energy and Correlation's sum, to the bit.
        var (lanes, length, shifted, rng) = Shifted(input, groups, seed);
        var template = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var mean = new float[lanes];
        var energy = new double[lanes];
        var products = new double[lanes];
        StreamingBeatClassifier.ShiftedSegments(shifted, length, mean, energy);
        StreamingBeatClassifier.ShiftedProducts(shifted, mean, template, products);
        for (int j = 0; j < lanes; j++)
        {
            var segment = new float[length];
            double m = 0;
            for (int t = 0; t < length; t++) m += segment[t] = shifted[j + t];
            m /= length;
            for (int t = 0; t < length; t++) segment[t] -= (float)m;
            double ab = 0;
            for (int t = 0; t < length; t++) ab += segment[t] * template[t];
            if (BitConverter.SingleToInt32Bits(mean[j]) != BitConverter.SingleToInt32Bits((float)m)
                || BitConverter.DoubleToInt64Bits(energy[j]) != BitConverter.DoubleToInt64Bits(StreamingBeatClassifier.Energy(segment))
                || BitConverter.DoubleToInt64Bits(products[j]) != BitConverter.DoubleToInt64Bits(ab))
                return false;
        }
        return true;
    }

    [Property(MaxTest = 300)]
    public bool The_atrial_activity_s_qrs_alignment_a_vector_of_shifts_at_a_time_equals_its_correlation_one_by_one(
        NonEmptyArray<NormalFloat> input, PositiveInt groups, int seed)
    {
        // AtrialActivity aligns each beat's QRS by correlating every shift within ±20 ms with the beats' common shape,
        // in vector lanes: each lane must equal the one-by-one correlation of its shifted segment, to the bit.
        var (lanes, length, shifted, rng) = Shifted(input, groups, seed);
        var centred = Enumerable.Range(0, length).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        if (rng.Next(8) == 0) Array.Clear(centred);   // no shape: every correlation 0
        var correlations = new double[lanes];
        AtrialActivity.ShiftedCorrelations(shifted, centred, correlations);
        for (int j = 0; j < lanes; j++)
            if (BitConverter.DoubleToInt64Bits(correlations[j]) != BitConverter.DoubleToInt64Bits(AtrialActivity.Correlation(shifted.AsSpan(j, length), centred)))
                return false;
        return true;
    }

    [Theory]
    [InlineData("201", 0, 97)]
    [InlineData("203", 0, 256)]
    [InlineData("203", 1, 1)]
    [InlineData("122", 1, 500)]
    public void The_detector_skips_its_decisions_only_where_they_would_change_nothing(string record, int channel, int chunk)
    {
        // The detector runs its decisions only at samples where they can act (a local maximum of the integrator, a
        // pending beat's refractory period over, a due search-back or re-learning); run at every sample, they must give
        // the same beats at the same time: on real records (203's noise and ectopy exercise search-back) at 100 Hz.
        var r = WfdbReader.Read(TestPaths.Record(record));
        var x = Resampler.Resample(r.Ecg.Channels[channel].Samples, r.SampleRateHz, 100);
        Assert.Equal(Detect(x, 100, chunk, everySample: true), Detect(x, 100, chunk, everySample: false));
    }

    [Theory]
    [InlineData("201", 0, 100.0, 500, false)]
    [InlineData("203", 1, 100.0, 37, true)]
    [InlineData("122", 0, 100.0, 1, false)]
    [InlineData("203", 0, 360.0, 360, false)]
    [InlineData("201", 1, 250.0, 1000, true)]
    public void The_stream_s_filters_in_one_loop_equal_their_own_loops_to_the_bit(string record, int channel, double rate, int chunk, bool nonFiniteFirst)
    {
        // With quality on, the classifier runs its detector's band-pass, its own and the quality's filters in one loop;
        // in loops of their own they must give the same beats, classes, quality blocks and second-detector beats, to the
        // bit: on real records, with a run of non-finite samples (held), chunk by chunk; each filter starts from its
        // steady state for the first sample, which a non-finite first sample (held at 0) would hide.
        var r = WfdbReader.Read(TestPaths.Record(record));
        var x = Resampler.Resample(r.Ecg.Channels[channel].Samples, r.SampleRateHz, rate);
        if (nonFiniteFirst) x[0] = float.NaN;
        for (int i = 0; i < (int)rate; i++) x[x.Length / 3 + i] = float.PositiveInfinity;
        var (beats, blocks, second) = Stream(x, rate, chunk, separate: false);
        var (beatsApart, blocksApart, secondApart) = Stream(x, rate, chunk, separate: true);
        Assert.True(beats.Count > 100, $"{beats.Count} beats");
        Assert.Equal(beatsApart, beats);
        Assert.Equal(secondApart, second);
        Assert.Equal(blocksApart.Count, blocks.Count);
        for (int b = 0; b < blocks.Count; b++)
            Assert.True(Bits(blocksApart[b]) == Bits(blocks[b]), $"block {b}: {blocksApart[b]} apart, {blocks[b]} in one loop");

        static (List<ClassifiedBeat>, List<QualityBlock>, List<long>) Stream(float[] x, double rate, int chunk, bool separate)
        {
            var classifier = new StreamingBeatClassifier(rate, quality: true) { SeparateFilterLoops = separate };
            List<ClassifiedBeat> beats = [];
            List<QualityBlock> blocks = [];
            List<long> second = [];
            for (int i = 0; i < x.Length; i += chunk)
                classifier.Process(x.AsSpan(i, Math.Min(chunk, x.Length - i)), beats, blocks, second);
            classifier.Flush(beats, blocks, second);
            return (beats, blocks, second);
        }

        static string Bits(QualityBlock q) => string.Join(",", q.Start, q.Samples, q.Saturated,
            BitConverter.DoubleToInt64Bits(q.Sum), BitConverter.DoubleToInt64Bits(q.SumSquares), BitConverter.DoubleToInt64Bits(q.SumCubes),
            BitConverter.DoubleToInt64Bits(q.SumFourths), BitConverter.DoubleToInt64Bits(q.QrsBandPower),
            BitConverter.DoubleToInt64Bits(q.AboveQrsLowPower), BitConverter.DoubleToInt64Bits(q.BaselinePower), BitConverter.SingleToInt32Bits(q.RangeMv));
    }

    [Theory]
    [InlineData(false, 256)]
    [InlineData(true, 256)]
    [InlineData(false, 37)]
    [InlineData(true, 700)]
    public void The_stream_s_stack_buffers_are_written_before_they_are_read(bool separate, int chunk)
    {
        // The classifier, its quality and the detector skip zeroing their chunk buffers ([SkipLocalsInit]): every value
        // read must have been written in the same call. The stack below the caller is filled before each call, with zeros
        // (what zeroing gave) in one run and NaN in the other: any value read unwritten would change the beats, blocks or
        // second-detector beats.
        var r = WfdbReader.Read(TestPaths.Record("203"));
        var x = Resampler.Resample(r.Ecg.Channels[0].Samples, r.SampleRateHz, 100);
        var clean = Stream(x, chunk, separate, junk: 0f);
        var dirtied = Stream(x, chunk, separate, junk: float.NaN);
        Assert.True(clean.Beats.Count > 100, $"{clean.Beats.Count} beats");
        Assert.Equal(clean.Beats, dirtied.Beats);
        Assert.Equal(clean.Second, dirtied.Second);
        Assert.Equal(clean.Blocks, dirtied.Blocks);
        Assert.Equal(clean.Detected, dirtied.Detected);
        // The quality alone as well: inside the classifier, the calls before it write over part of the filled stack.
        var qrsBand = x.Select((v, i) => i == 0 ? 0f : v - x[i - 1]).ToArray();
        var (cleanBlocks, cleanBeats) = Quality(x, qrsBand, chunk, 0f);
        var (dirtiedBlocks, dirtiedBeats) = Quality(x, qrsBand, chunk, float.NaN);
        Assert.Equal(cleanBlocks, dirtiedBlocks);
        Assert.Equal(cleanBeats, dirtiedBeats);

        static (List<QualityBlock>, List<long>) Quality(float[] x, float[] qrsBand, int chunk, float junk)
        {
            var quality = new StreamingLeadQuality(100);
            List<QualityBlock> blocks = [];
            List<long> second = [];
            for (int i = 0; i < x.Length; i += chunk)
            {
                int m = Math.Min(chunk, x.Length - i);
                FillStack(junk);
                quality.Process(x.AsSpan(i, m), qrsBand.AsSpan(i, m), blocks, second);
            }
            Assert.True(blocks.Count > 100, $"{blocks.Count} blocks");
            return (blocks, second);
        }

        static (List<ClassifiedBeat> Beats, List<QualityBlock> Blocks, List<long> Second, List<DetectedQrs> Detected) Stream(
            float[] x, int chunk, bool separate, float junk)
        {
            var classifier = new StreamingBeatClassifier(100, quality: true) { SeparateFilterLoops = separate };
            var detector = new StreamingQrsDetector(100);
            List<ClassifiedBeat> beats = [];
            List<QualityBlock> blocks = [];
            List<long> second = [];
            List<DetectedQrs> detected = [];
            for (int i = 0; i < x.Length; i += chunk)
            {
                var part = x.AsSpan(i, Math.Min(chunk, x.Length - i));
                FillStack(junk);
                classifier.Process(part, beats, blocks, second);
                FillStack(junk);
                detector.Process(part, detected);
            }
            return (beats, blocks, second, detected);
        }
    }

    /// <summary>Fills the stack where the next call's frames will lie with <paramref name="value"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static float FillStack(float value)
    {
        Span<float> junk = stackalloc float[32 * 1024];
        junk.Fill(value);
        return junk[junk.Length / 2];
    }

    [Property(MaxTest = 60)]
    public bool The_detector_skips_its_decisions_exactly_on_noise_silences_and_bursts(int seed)
    {
        // Random beats with pauses, dropped beats (search-back), noise bursts and a flat line (re-learning) at 250 Hz.
        var rng = new Random(seed);
        var x = new float[250 * 40];
        int next = 50;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(0.05 * (rng.NextDouble() - 0.5));
            if (i == next)
            {
                double gap = rng.NextDouble() < 0.05 ? 6 : rng.NextDouble() < 0.1 ? 2.2 : 0.5 + 0.6 * rng.NextDouble();
                next += (int)(gap * 250);
                float height = (float)(rng.NextDouble() < 0.2 ? 0.3 : 1.0 + rng.NextDouble());
                for (int j = 0; j < 20 && i + j < x.Length; j++) x[i + j] += height * (float)Math.Sin(Math.PI * j / 20);
            }
            if (rng.NextDouble() < 0.0005) for (int j = i; j < Math.Min(x.Length, i + 100); j++) x[j] += (float)(rng.NextDouble() - 0.5);
        }
        // A flat line (a lead off) has no local maximum at which the decisions would run anyway: re-learning after it
        // must still come on time.
        int flat = 250 * (5 + rng.Next(20));
        Array.Clear(x, flat, Math.Min(x.Length - flat, 250 * (5 + rng.Next(3))));
        int chunk = 1 + rng.Next(300);
        return Detect(x, 250, chunk, everySample: true).SequenceEqual(Detect(x, 250, chunk, everySample: false));
    }

    /// <summary>Each beat with the samples fed when it came out: the skip must not delay a beat either.</summary>
    private static List<(DetectedQrs Beat, int Fed)> Detect(float[] x, double fs, int chunk, bool everySample)
    {
        var detector = new StreamingQrsDetector(fs) { DecidesEverySample = everySample };
        var beats = new List<DetectedQrs>();
        var emitted = new List<(DetectedQrs, int)>();
        for (int i = 0; i < x.Length; i += chunk)
        {
            detector.Process(x.AsSpan(i, Math.Min(chunk, x.Length - i)), beats);
            emitted.AddRange(beats.Select(b => (b, Math.Min(x.Length, i + chunk))));
            beats.Clear();
        }
        detector.Flush(beats);
        emitted.AddRange(beats.Select(b => (b, x.Length + 1)));
        return emitted;
    }

    [Property(MaxTest = 500)]
    public bool Selection_gives_the_sorted_value_at_every_index(float[] values, int seed)
    {
        if (values.Length == 0) return true;
        var sorted = (float[])values.Clone();
        Array.Sort(sorted);
        int k = (int)((uint)seed % (uint)values.Length);
        var work = (float[])values.Clone();
        float selected = OrderStatistics.SelectInPlace(work, k);
        // Selection only permutes, and splits around k.
        var permuted = (float[])work.Clone();
        Array.Sort(permuted);
        return Same(selected, sorted[k]) && permuted.SequenceEqual(sorted, BitwiseComparer.Instance)
               && work.Take(k).All(v => !(v > selected)) && work.Skip(k + 1).All(v => !(v < selected));
    }

    [Property(MaxTest = 300)]
    public bool Selection_of_a_pair_gives_both_sorted_values(NonEmptyArray<NormalFloat> input, int a, int b)
    {
        var values = input.Get.Select(v => (float)v.Get).ToArray();
        int lo = (int)((uint)a % (uint)values.Length), hi = (int)((uint)b % (uint)values.Length);
        if (lo > hi) (lo, hi) = (hi, lo);
        var sorted = values.Order().ToArray();
        var before = (float[])values.Clone();
        var (low, high) = OrderStatistics.SelectPair(values, lo, hi);
        return Same(low, sorted[lo]) && Same(high, sorted[hi]) && values.SequenceEqual(before, BitwiseComparer.Instance);
    }

    /// <summary>Inputs of each length in <paramref name="lengths"/>: ascending, descending, constant, three-valued ties,
    /// random, and ascending with one NaN at <paramref name="nanAt"/>; each with its sorted copy.</summary>
    private static IEnumerable<(int N, float[] Values, float[] Sorted)> EdgeCases(int[] lengths, int seed, int nanAt)
    {
        var rng = new Random(seed);
        foreach (int n in lengths)
            foreach (var make in new Func<int, float>[] { i => i, i => -i, _ => 1f, i => i % 3, _ => (float)rng.NextDouble(), i => i == nanAt ? float.NaN : i })
            {
                var values = Enumerable.Range(0, n).Select(make).ToArray();
                var sorted = (float[])values.Clone();
                Array.Sort(sorted);
                yield return (n, values, sorted);
            }
    }

    [Fact]
    public void Selection_of_a_pair_near_both_ends_matches_a_sort_with_ties_nan_and_the_rank_limit()
    {
        // The one-pass path (both ranks within MaxTailRank of their end) and the copy fallback on each side of it.
        foreach (var (n, values, sorted) in EdgeCases([1, 2, 3, 10, 65, 129, 130, 1000], seed: 7, nanAt: 5))
        {
            foreach (int rank in new[] { 0, 1, 9, OrderStatistics.MaxTailRank - 1, OrderStatistics.MaxTailRank })
            {
                int lo = Math.Min(rank, n - 1), hi = Math.Max(lo, n - 1 - rank);
                Assert.Equal((sorted[lo], sorted[hi]), OrderStatistics.SelectPair(values, lo, hi));
            }
        }
    }

    [Property(MaxTest = 500)]
    public bool Tail_selection_gives_the_sorted_value_and_leaves_the_input_alone(float[] values, int seed, bool fromTop)
    {
        if (values.Length == 0) return true;
        var sorted = (float[])values.Clone();
        Array.Sort(sorted);
        // Mostly ranks within the kept tails (either end), sometimes any index (the copy-and-select fallback).
        int depth = (int)((uint)seed % (uint)values.Length);
        int rank = seed % 4 == 0 ? depth : Math.Min(depth, OrderStatistics.MaxTailRank + 1);
        int k = fromTop ? values.Length - 1 - rank : rank;
        var before = (float[])values.Clone();
        float selected = OrderStatistics.SelectTail(values, k);
        return Same(selected, sorted[k]) && values.SequenceEqual(before, BitwiseComparer.Instance);
    }

    [Fact]
    public void Tail_selection_handles_ties_monotonic_input_and_the_rank_limit()
    {
        foreach (var (n, values, sorted) in EdgeCases([1, 2, 3, 10, 65, 66, 1000, 5000], seed: 5, nanAt: 7))
        {
            foreach (int rank in new[] { 0, 1, 9, 19, OrderStatistics.MaxTailRank - 1, OrderStatistics.MaxTailRank, n / 2 })
            {
                if (rank >= n) continue;
                Assert.Equal(sorted[rank], OrderStatistics.SelectTail(values, rank));
                Assert.Equal(sorted[n - 1 - rank], OrderStatistics.SelectTail(values, n - 1 - rank));
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => OrderStatistics.SelectTail(new float[3], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrderStatistics.SelectTail(new float[3], -1));
    }

    [Fact]
    public void Selection_handles_ties_sorted_input_and_many_equal_values()
    {
        var rng = new Random(3);
        foreach (int n in new[] { 1, 2, 3, 10, 1000, 4097 })
            foreach (var make in new Func<int, float>[] { i => i, i => -i, _ => 1f, i => i % 3, _ => (float)rng.NextDouble() })
            {
                var values = Enumerable.Range(0, n).Select(make).ToArray();
                var sorted = values.Order().ToArray();
                for (int k = 0; k < n; k += Math.Max(1, n / 7))
                    Assert.Equal(sorted[k], OrderStatistics.SelectInPlace((float[])values.Clone(), k));
            }
        Assert.Throws<ArgumentOutOfRangeException>(() => OrderStatistics.SelectInPlace(new float[3], 3));
        Assert.Throws<ArgumentException>(() => OrderStatistics.SelectPair(new float[3], 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrderStatistics.SelectPair(new float[3], 0, 3));
    }

    public static IEnumerable<object[]> Filters() =>
    [
        [Butterworth.BandPass(2, 5, 15, 100)], [Butterworth.HighPass(2, 5, 100)], [Butterworth.LowPass(2, 1, 100)],
        [Butterworth.BandPass(2, 0.5, 40, 360)], [Butterworth.HighPass(4, 0.5, 500)], // four sections: the fallback
    ];

    [Theory]
    [MemberData(nameof(Filters))]
    public void Zero_phase_equals_filtfilt_to_the_bit(BiquadCascade filter)
    {
        var rng = new Random(11);
        foreach (int n in new[] { 1, 2, 5, 17, 1000 })
            foreach (int pad in new[] { -1, 0, 3, 100 })
            {
                var x = Enumerable.Range(0, n).Select(i => (float)(Math.Sin(i * 0.13) * 2 + rng.NextDouble() - 0.5 + 0.3)).ToArray();
                var expected = (float[])x.Clone();
                filter.FiltFilt(expected, pad);
                var actual = (float[])x.Clone();
                ZeroPhase.FiltFilt(filter, actual, pad);
                Assert.Equal(expected, actual, BitwiseComparer.Instance);
            }
    }

    /// <summary>
    /// The causal two-section path runs its sections interleaved; the reference runs them one after the other, each as
    /// a cascade of its own (the plain loop). Chunked calls continue the state. <see cref="BiquadCascade.FiltFilt"/>
    /// takes this path too, so the zero-phase tests above rest on this one.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(256)]
    [InlineData(1000)]
    public void Causal_two_section_filtering_equals_its_sections_one_after_the_other_to_the_bit(int chunk)
    {
        var rng = new Random(chunk);
        foreach (var cascade in new[] { Butterworth.BandPass(2, 5, 15, 100), Butterworth.BandPass(2, 1, 35, 100), Butterworth.HighPass(4, 0.5, 360) })
        {
            Assert.Equal(2, cascade.Sections.Count);
            var x = Enumerable.Range(0, 1000).Select(i => (float)(Math.Sin(i * 0.21) + rng.NextDouble() - 0.5)).ToArray();
            var expected = (float[])x.Clone();
            foreach (var section in cascade.Sections)
            {
                var single = new BiquadCascade([section]);
                var singleState = single.CreateState();
                single.SetSteadyState(singleState, x[0] * (section == cascade.Sections[0] ? 1 : cascade.Sections[0].DcGain));
                single.Process(expected, singleState);
            }
            var actual = (float[])x.Clone();
            var state = cascade.CreateState();
            cascade.SetSteadyState(state, x[0]);
            for (int i = 0; i < actual.Length; i += chunk) cascade.Process(actual.AsSpan(i, Math.Min(chunk, actual.Length - i)), state);
            Assert.Equal(expected, actual, BitwiseComparer.Instance);
        }
    }

    [Fact]
    public void Zero_phase_pair_equals_two_filtfilts_to_the_bit()
    {
        var hp = Butterworth.HighPass(2, 5, 100);
        var lp = Butterworth.LowPass(2, 1, 100);
        var bp = Butterworth.BandPass(2, 5, 15, 100);
        var rng = new Random(5);
        foreach (int n in new[] { 1, 2, 9, 10, 1000 })
            foreach (var (a, b) in new[] { (hp, lp), (lp, hp), (bp, lp) }) // bp: two sections, the separate path
            {
                var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
                var ea = (float[])x.Clone();
                a.FiltFilt(ea);
                var eb = (float[])x.Clone();
                b.FiltFilt(eb);
                var oa = new float[n];
                var ob = new float[n];
                ZeroPhase.FiltFilt(a, b, x, oa, ob);
                Assert.Equal(ea, oa, BitwiseComparer.Instance);
                Assert.Equal(eb, ob, BitwiseComparer.Instance);
                Assert.Equal(x, x.ToArray()); // the input is read only
            }
    }

    [Fact]
    public void Zero_phase_two_leads_equal_two_filtfilts_to_the_bit()
    {
        // The window's preprocessing runs two leads side by side (one vector lane each); each must come out as its own
        // filtfilt, whatever the other lead holds.
        var rng = new Random(13);
        foreach (var filter in new[] { Butterworth.BandPass(2, 0.5, 40, 100), Butterworth.BandPass(2, 5, 15, 360), Butterworth.HighPass(2, 5, 100) })
            foreach (int n in new[] { 2, 3, 17, 1000 })
                foreach (int pad in new[] { -1, 0, 1, 100 })
                {
                    var first = Enumerable.Range(0, n).Select(i => (float)(Math.Sin(i * 0.07) * 3 + 1.5 + rng.NextDouble() - 0.5)).ToArray();
                    var second = Enumerable.Range(0, n).Select(i => (float)(rng.NextDouble() * 8 - 4 + (i % 50 == 0 ? 20 : 0))).ToArray();
                    float[] ea = (float[])first.Clone(), eb = (float[])second.Clone();
                    filter.FiltFilt(ea, pad);
                    filter.FiltFilt(eb, pad);
                    ZeroPhase.FiltFilt(filter, first, second, pad);
                    Assert.Equal(ea, first, BitwiseComparer.Instance);
                    Assert.Equal(eb, second, BitwiseComparer.Instance);
                }
    }

    [Fact]
    public void Zero_phase_triple_equals_three_filtfilts_to_the_bit()
    {
        var bp = Butterworth.BandPass(2, 5, 15, 100);
        var hp = Butterworth.HighPass(2, 5, 100);
        var lp = Butterworth.LowPass(2, 1, 100);
        var rng = new Random(9);
        foreach (int n in new[] { 1, 2, 8, 10, 16, 17, 1000 }) // pads clamp to n − 1 at the short lengths
            foreach (var (c, a, b) in new[] { (bp, hp, lp), (hp, hp, lp), (bp, bp, lp) }) // the last two: fallbacks
            {
                var x = Enumerable.Range(0, n).Select(i => (float)(Math.Sin(i * 0.3) + rng.NextDouble() - 0.5)).ToArray();
                float[] ec = (float[])x.Clone(), ea = (float[])x.Clone(), eb = (float[])x.Clone();
                c.FiltFilt(ec);
                a.FiltFilt(ea);
                b.FiltFilt(eb);
                float[] oc = new float[n], oa = new float[n], ob = new float[n];
                ZeroPhase.FiltFilt(c, a, b, x, oc, oa, ob);
                Assert.Equal(ec, oc, BitwiseComparer.Instance);
                Assert.Equal(ea, oa, BitwiseComparer.Instance);
                Assert.Equal(eb, ob, BitwiseComparer.Instance);
            }
    }

    [Fact]
    public void Allocation_free_detection_equals_the_array_result_on_a_whole_record_at_360_hz()
    {
        var rec = WfdbReader.Read(TestPaths.Record("203"));
        var lead = (rec.Ecg.Channel(Lead.II) ?? rec.Ecg.Channels[0]).Samples;
        var detector = new QrsDetector(rec.SampleRateHz);
        var expected = detector.Detect(lead);
        var beats = new int[detector.MaxBeats(lead.Length)];
        int count = detector.Detect(lead, beats);
        Assert.Equal(expected, beats[..count]);
        Assert.True(count > 2000);
        Assert.Throws<ArgumentException>(() => detector.Detect(lead, new int[detector.MaxBeats(lead.Length) - 1]));
        Assert.Equal(0, detector.Detect(new float[10], new int[detector.MaxBeats(10)])); // under half a second
        Assert.Equal(0, detector.MaxBeats(0));
    }

    [Fact]
    public void Detection_is_unchanged_on_record_201_at_360_hz()
    {
        // Beat positions of the array detector before its allocation-free rewrite (Se/PPV are checked elsewhere; this
        // pins the exact output): count and a checksum over all positions.
        var rec = WfdbReader.Read(TestPaths.Record("201"));
        var peaks = QrsDetector.Detect((rec.Ecg.Channel(Lead.II) ?? rec.Ecg.Channels[0]).Samples, rec.SampleRateHz);
        long checksum = 0;
        foreach (int p in peaks) checksum = checksum * 31 + p;
        Assert.Equal((ExpectedCount201, ExpectedChecksum201), (peaks.Length, checksum));
    }

    private const int ExpectedCount201 = 1920;
    private const long ExpectedChecksum201 = -114210254099465633;

    private static bool Same(float a, float b) => BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b) || a == b;

    private sealed class BitwiseComparer : IEqualityComparer<float>
    {
        public static readonly BitwiseComparer Instance = new();
        public bool Equals(float x, float y) => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y) || (x == 0 && y == 0);
        public int GetHashCode(float obj) => 0;
    }
}

public class PreprocessingFastPathTests
{
    [Theory]
    [InlineData(100, 1000, 1000)]
    [InlineData(500, 5000, 5000)]
    [InlineData(100, 3, 3)]
    [InlineData(100, 1000, 999)]   // unequal lengths: one by one
    public void Preprocessing_two_leads_together_equals_each_alone_to_the_bit(double fs, int n1, int n2)
    {
        var rng = new Random(n1 + n2);
        var a = Enumerable.Range(0, n1).Select(i => (float)(Math.Sin(i * 0.07) + rng.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, n2).Select(i => (float)(Math.Cos(i * 0.11) * 1.5 + rng.NextDouble() - 0.2)).ToArray();
        float[] ea = (float[])a.Clone(), eb = (float[])b.Clone();
        CGDmer.Signal.Dsp.EcgPreprocessing.Apply(ea, fs);
        CGDmer.Signal.Dsp.EcgPreprocessing.Apply(eb, fs);
        CGDmer.Signal.Dsp.EcgPreprocessing.Apply(a, b, fs);
        Assert.Equal(ea.Select(BitConverter.SingleToInt32Bits), a.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(eb.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(100, 1000)]
    [InlineData(500, 5000)]
    [InlineData(360, 7)]
    public void Preprocessing_is_bit_identical_to_the_reference_cascade(double fs, int n)
    {
        var rng = new Random(11);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(Math.Sin(i * 0.05) + 0.3 * rng.NextDouble());
        var fast = (float[])x.Clone();
        CGDmer.Signal.Dsp.EcgPreprocessing.Apply(fast, fs);
        var reference = (float[])x.Clone();
        CGDmer.Signal.Dsp.EcgPreprocessing.Design(fs).FiltFilt(reference, CGDmer.Signal.Dsp.EcgPreprocessing.PadLength(n, fs));
        Assert.Equal(reference, fast);
    }
}

public class MedianTests
{
    [Fact]
    public void The_median_of_an_odd_count_is_its_middle_value_and_of_an_even_count_the_mean_of_the_middle_two()
    {
        Assert.Equal(3.0, OrderStatistics.Median(new double[] { 5, 1, 3 }));
        Assert.Equal(2.5, OrderStatistics.Median(new double[] { 4, 1, 3, 2 }));
        Assert.Equal(2.0, OrderStatistics.MedianOfSorted(new double[] { 1, 2, 3 }));
        Assert.Equal(1.5, OrderStatistics.MedianOfSorted(new double[] { 1, 2 }));
        var values = new double[] { 9, 7, 8 };
        OrderStatistics.Median(values);
        Assert.Equal([7.0, 8.0, 9.0], values);   // sorted in place, as its callers rely on
    }
}
