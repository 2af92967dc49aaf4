using CGDmer.Signal.Wfdb;
using Xunit.Abstractions;

namespace CGDmer.Signal.Tests;

public class AnnotationTests(ITestOutputHelper output)
{
    [Fact]
    public void First_annotations_of_201_match_hand_decoding()
    {
        // 201.atr begins 3c 70 | 06 fc "(AFIB\0" | 63 04 ...: word 0x703c = code 28 ('+'), dt 60; word 0xfc06 = AUX, 6
        // bytes "(AFIB\0"; word 0x0463 = code 1 ('N'), dt 99 → sample 159.
        var ann = AnnotationReader.Read(TestPaths.Record("201") + ".atr");
        Assert.Equal(new Annotation(60, "+", 28, 0, 0, 0, "(AFIB"), ann[0]);
        Assert.Equal(159, ann[1].Sample);
        Assert.Equal("N", ann[1].Symbol);
        Assert.Null(ann[1].Aux);
        for (int i = 1; i < ann.Count; i++) Assert.True(ann[i].Sample >= ann[i - 1].Sample);
    }

    [Fact]
    public void Record_201_beats_and_rhythms_are_plausible()
    {
        var ann = AnnotationReader.Read(TestPaths.Record("201") + ".atr");
        var beats = AnnotationReader.Beats(ann);
        var counts = beats.GroupBy(b => b.Symbol).OrderByDescending(g => g.Count()).Select(g => $"{g.Key}:{g.Count()}");
        output.WriteLine($"201: {ann.Count} annotations, {beats.Count} beats ({string.Join(" ", counts)})");
        Assert.InRange(beats.Count, 1950, 2000); // reference: 1963 beats
        Assert.True(beats.Count(b => b.Symbol == "N") > 1500);
        Assert.Contains(beats, b => b.Symbol == "V");
        Assert.All(beats, b => Assert.InRange(b.Sample, 0, 650000));

        var episodes = AnnotationReader.RhythmEpisodes(ann, 650000);
        foreach (var e in episodes) output.WriteLine($"  {e.Rhythm,-6} {e.Start,7} – {e.End,7} ({e.Length / 360.0:F1} s)");
        Assert.Contains(episodes, e => e.Rhythm == "(AFIB");
        Assert.Contains(episodes, e => e.Rhythm == "(N");
        Assert.Equal(60, episodes[0].Start);
        Assert.Equal(650000, episodes[^1].End);
        for (int i = 1; i < episodes.Count; i++)
        {
            Assert.Equal(episodes[i - 1].End, episodes[i].Start);
            Assert.NotEqual(episodes[i - 1].Rhythm, episodes[i].Rhythm);
        }
        double afSeconds = episodes.Where(e => e.Rhythm == "(AFIB").Sum(e => e.Length) / 360.0;
        output.WriteLine($"  AFIB total {afSeconds:F0} s");
        Assert.InRange(afSeconds, 60, 1200);
    }

    [Fact]
    public void Record_203_has_afl_and_afib_episodes()
    {
        var ann = AnnotationReader.Read(TestPaths.Record("203") + ".atr");
        var beats = AnnotationReader.Beats(ann);
        output.WriteLine($"203: {beats.Count} beats");
        Assert.InRange(beats.Count, 2900, 3050); // reference: 2980 beats
        var rhythms = AnnotationReader.RhythmEpisodes(ann, 650000).Select(e => e.Rhythm).ToHashSet();
        Assert.Contains("(AFIB", rhythms);
        Assert.Contains("(AFL", rhythms);
    }

    [Fact]
    public void Modifiers_skip_and_aux_padding_are_decoded()
    {
        var w = new List<byte>();
        void Word(int code, int value) { int x = (code << 10) | (value & 0x3FF); w.Add((byte)x); w.Add((byte)(x >> 8)); }
        Word(1, 10);                  // N at 10
        Word(61, 3);                  // SUB 3
        Word(62, 1);                  // CHN 1 (sticky)
        Word(60, 1023);               // NUM -1 (sticky, 10-bit signed)
        Word(59, 0);                  // SKIP 100000 (hi word first)
        w.AddRange([0x01, 0x00, 0xA0, 0x86]); // 0x0001 then 0x86A0 → 0x186A0 = 100000
        Word(5, 5);                   // V at 10 + 100000 + 5
        Word(63, 3); w.AddRange("(VT"u8.ToArray()); w.Add(0); // odd length aux, padded
        Word(28, 0);                  // + at same sample
        Word(63, 2); w.AddRange("(N"u8.ToArray());            // even length aux, no pad
        Word(0, 0);
        var ann = AnnotationReader.Parse(w.ToArray());
        Assert.Equal(3, ann.Count);
        Assert.Equal(new Annotation(10, "N", 1, 3, 1, -1, null), ann[0]);
        Assert.Equal(new Annotation(100015, "V", 5, 0, 1, -1, "(VT"), ann[1]);
        Assert.Equal(new Annotation(100015, "+", 28, 0, 1, -1, "(N"), ann[2]);
        Assert.True(ann[1].IsBeat);
        Assert.False(ann[2].IsBeat);
        Assert.Equal("(N", ann[2].Rhythm);
    }

    [Fact]
    public void Code_table_and_isqrs_follow_wfdb()
    {
        Assert.Equal("NLRaVFJASEj/Q~", string.Concat(Enumerable.Range(1, 14).Select(AnnotationCodes.Symbol)));
        Assert.Equal("|", AnnotationCodes.Symbol(16));
        Assert.Equal("sT*D\"=pB^t+u?![]en@xf()r", string.Concat(Enumerable.Range(18, 24).Select(AnnotationCodes.Symbol)));
        Assert.Equal(5, AnnotationCodes.Code("V"));
        var qrs = string.Concat(Enumerable.Range(0, 50).Where(AnnotationCodes.IsQrs).Select(AnnotationCodes.Symbol));
        Assert.Equal("NLRaVFJASEj/QB?enfr", qrs);
    }

    [Fact]
    public void Bad_annotation_files_throw_naming_the_file()
    {
        var e = Assert.Throws<WfdbFormatException>(() => AnnotationReader.Parse(new byte[] { 0x05, 0xFC, 0x41 }, "x.atr"));
        Assert.StartsWith("x.atr:", e.Message);
        e = Assert.Throws<WfdbFormatException>(() => AnnotationReader.Parse(new byte[] { 0x05, 0xD0 }, "y.atr")); // code 52
        Assert.Contains("y.atr", e.Message);
    }
}
