using CGDmer.Trainer.Data;
using CGDmer.Trainer.Orchestration;
using CGDmer.Signal;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Datasets;

namespace CGDmer.Trainer.Tests;

/// <summary>The real-recording windows (fixtures in data/cinc2017 and data/aftdb) and the committed evaluation splits.</summary>
public class RealWindowsTests
{
    private static WindowSet NewSet() => new(1000, EcgLabels.All, 16, RhythmFeatures.CountOf(RhythmFeatures.Identifier));
    private static int Col(EcgLabel l) => EcgLabels.All.ToList().IndexOf(l);

    [Fact]
    public void A_cinc_af_recording_gives_lead_I_windows_labelled_af_with_what_cinc_annotates_and_its_rhythm()
    {
        var set = NewSet();
        var root = Path.Combine(TestData.RepoRoot, "data", "cinc2017");
        var entry = Cinc2017.Load(root).Single(e => e.RecordId == "A00225");
        Assert.Equal(Cinc2017Label.AtrialFibrillation, entry.Label);
        int n = RealWindows.AddCinc(set, root, entry, 100, 5);
        Assert.Equal(5, n); // 30 s at a 5 s stride: starts 0, 5, 10, 15, 20
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(1f, set.LeadMask(i)[(int)Lead.I]);
            Assert.Equal(1f, set.LeadMask(i).ToArray().Sum());
            Assert.True(set.HasLabel(i, Col(EcgLabels.AtrialFibrillation)));
            Assert.True(set.IsKnown(i, Col(EcgLabels.SinusRhythm)) && !set.HasLabel(i, Col(EcgLabels.SinusRhythm)));
            Assert.False(set.IsKnown(i, Col(EcgLabels.PrematureVentricularContractions)));
            Assert.False(set.HasReport(i));
            Assert.Equal("cinc2017", set.Sources[i]);
            Assert.Equal("cinc-A00225", set.Patients[i]);
            Assert.Equal(1f, set.Rhythm(i)[0]); // rhythm present
            Assert.True(set.Rhythm(i)[WindowRhythm.IrregularityFeature] > 0);
        }
    }

    [Fact]
    public void With_the_quality_on_the_stream_a_cinc_recordings_windows_are_measured_from_its_stream_and_a_stream_without_quality_is_refused()
    {
        const string set9 = RhythmFeatures.StreamQualityIdentifier;
        var set = new WindowSet(1000, EcgLabels.All, 16, RhythmFeatures.CountOf(set9), set9);
        var root = Path.Combine(TestData.RepoRoot, "data", "cinc2017");
        var entry = Cinc2017.Load(root).Single(e => e.Label == Cinc2017Label.Normal);
        int n = RealWindows.AddCinc(set, root, entry, 100, 5);
        Assert.True(n >= 1);
        int quality = RhythmFeatures.Names.ToList().IndexOf("signal_quality"), agreement = RhythmFeatures.Names.ToList().IndexOf("beat_agreement");
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(1f, set.Rhythm(i)[0]);   // rhythm present
            Assert.InRange(set.Rhythm(i)[quality], 0.3f, 1f);
            Assert.InRange(set.Rhythm(i)[agreement], 0.6f, 1f);
        }
        var window = new float[]?[Leads.Count];
        window[(int)Lead.I] = new float[1000];
        var withoutQuality = RecordBeatStream.OverClip(window, 100, 1000);
        var e = Assert.Throws<ArgumentException>(() => WindowRhythm.Compute(window, 100, new float[RhythmFeatures.CountOf(set9)], withoutQuality, 0, set9));
        Assert.Contains("quality", e.Message);
    }

    [Fact]
    public void A_cinc_recording_shorter_than_a_window_gives_one_padded_window_and_noisy_recordings_annotate_nothing()
    {
        var set = NewSet();
        var root = Path.Combine(TestData.RepoRoot, "data", "cinc2017");
        foreach (var e in Cinc2017.Load(root).Where(e => e.Label is Cinc2017Label.Normal or Cinc2017Label.Noisy))
        {
            int before = set.Count;
            int n = RealWindows.AddCinc(set, root, e, 100, 5);
            Assert.True(n >= 1, $"{e.RecordId}: {n} windows");
            if (e.Label == Cinc2017Label.Noisy)
                Assert.All(Enumerable.Range(before, n), i => Assert.Equal(0f, set.KnownVector(i).ToArray().Sum()));
            else Assert.True(set.HasLabel(before, Col(EcgLabels.SinusRhythm)));
        }
    }

    [Fact]
    public void An_aftdb_record_gives_two_lead_af_windows()
    {
        var set = NewSet();
        var info = Aftdb.Enumerate(Path.Combine(TestData.RepoRoot, "data", "aftdb")).Single(r => r.RecordId == "b01");
        int n = RealWindows.AddAftdb(set, info, 100, 5, singleLeadCopies: []);
        Assert.Equal(11, n); // 60 s at a 5 s stride
        Assert.All(Enumerable.Range(0, n), i =>
        {
            Assert.Equal(1f, set.LeadMask(i)[(int)Lead.II]);
            Assert.Equal(1f, set.LeadMask(i)[(int)Lead.V1]);
            Assert.True(set.HasLabel(i, Col(EcgLabels.AtrialFibrillation)));
        });
    }

    [Fact]
    public void With_single_lead_copies_an_aftdb_record_also_trains_as_each_lead_alone()
    {
        var set = NewSet();
        var info = Aftdb.Enumerate(Path.Combine(TestData.RepoRoot, "data", "aftdb")).Single(r => r.RecordId == "b01");
        Assert.Equal(33, RealWindows.AddAftdb(set, info, 100, 5, singleLeadCopies: null));   // as recorded, II alone, V1 alone
        (bool II, bool V1) Leads(int i) => (set.LeadMask(i)[(int)Lead.II] > 0, set.LeadMask(i)[(int)Lead.V1] > 0);
        Assert.All(Enumerable.Range(0, 11), i => Assert.Equal((true, true), Leads(i)));
        Assert.All(Enumerable.Range(11, 11), i => Assert.Equal((true, false), Leads(i)));
        Assert.All(Enumerable.Range(22, 11), i => Assert.Equal((false, true), Leads(i)));
        Assert.All(Enumerable.Range(0, 33), i =>
        {
            Assert.Equal("aftdb-b01", set.Patients[i]);   // one patient: the copies stay in its split
            Assert.True(set.HasLabel(i, Col(EcgLabels.AtrialFibrillation)));
        });
        // Each copy's rhythm features are its own stream's: the lead-off windows measure one lead, not both.
        Assert.Contains(Enumerable.Range(0, 11), i => !set.Rhythm(i).SequenceEqual(set.Rhythm(i + 11)));

        var named = NewSet();   // only the leads named: V1 alone
        Assert.Equal(22, RealWindows.AddAftdb(named, info, 100, 5, singleLeadCopies: [Lead.V1]));
        Assert.All(Enumerable.Range(11, 11), i => Assert.Equal((false, true), (named.LeadMask(i)[(int)Lead.II] > 0, named.LeadMask(i)[(int)Lead.V1] > 0)));
    }

    [Fact]
    public void Single_lead_copies_are_made_of_training_records_only()
    {
        var mitbih = Path.Combine(TestData.RepoRoot, "data", "mitbih");
        TrainingData Build(bool copies) => TrainingData.Build(new TrainerConfig
        {
            Data = new DataConfig
            {
                Synthetic = new SyntheticData { Count = 0 },
                MitBih = new MitBihData { Dir = mitbih, Records = ["201", "203"], TestRecords = ["201"], StrideSeconds = 5, MaxSecondsPerRecord = 60 },
                SingleLeadCopies = copies ? ["all"] : [],
            },
        });
        var plain = Build(false);
        var copied = Build(true);
        Assert.Equal(3 * plain.Train.Length, copied.Train.Length);   // 203 as recorded, II alone, V1 alone
        Assert.Equal(plain.Test.Length, copied.Test.Length);          // 201 (test) as recorded only
        Assert.All(copied.Test, i => Assert.Equal(2, set(copied).LeadMask(i).ToArray().Count(m => m > 0)));
        Assert.Equal(2 * plain.Train.Length, copied.Train.Count(i => set(copied).LeadMask(i).ToArray().Count(m => m > 0) == 1));
        static WindowSet set(TrainingData d) => d.Set;
    }

    [Fact]
    public void A_bedside_record_whose_signals_are_only_called_ECG_trains_on_II_and_V1_as_the_replay_reads_it()
    {
        var dir = Directory.CreateTempSubdirectory("cgdmer-unnamed-ecg").FullName;
        try
        {
            var source = Path.Combine(TestData.RepoRoot, "data", "mitbih");
            File.Copy(Path.Combine(source, "201.dat"), Path.Combine(dir, "201.dat"));
            File.Copy(Path.Combine(source, "201.atr"), Path.Combine(dir, "201.atr"));
            File.WriteAllText(Path.Combine(dir, "201.hea"), File.ReadAllText(Path.Combine(source, "201.hea"))
                .Replace(" MLII", " ECG1").Replace(" V1", " ECG2"));
            var data = TrainingData.Build(new TrainerConfig
            {
                Data = new DataConfig
                {
                    Synthetic = new SyntheticData { Count = 0 },
                    MitBih = new MitBihData { Dir = dir, Records = ["201"], StrideSeconds = 5, MaxSecondsPerRecord = 60 },
                },
            });
            Assert.Equal(11, data.Train.Length);
            Assert.All(data.Train, i => Assert.Equal((true, true),
                (data.Set.LeadMask(i)[(int)Lead.II] > 0, data.Set.LeadMask(i)[(int)Lead.V1] > 0)));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Batches_never_mix_windows_with_and_without_reports()
    {
        var cfg = CgDmerConfig.Tiny;
        var set = NewSet();
        var root = Path.Combine(TestData.RepoRoot, "data", "cinc2017");
        foreach (var e in Cinc2017.Load(root)) RealWindows.AddCinc(set, root, e, 100, 1);
        var rhythm = new float[RhythmFeatures.CountOf(RhythmFeatures.Identifier)];
        var leads = new float[]?[Leads.Count];
        leads[(int)Lead.I] = new float[1000];
        for (int k = 0; k < 40; k++) set.Add(leads, [EcgLabels.SinusRhythm], null, "sinus rhythm", $"p{k}", "synthetic", rhythm);
        foreach (var batch in BatchPlan.Make(set, set.AllIndices(), 8, new Random(3)))
            Assert.Single(batch.Select(set.HasReport).Distinct());
        _ = cfg;
    }

    [Fact]
    public void The_committed_splits_hold_each_af_patient_out_once_and_never_overlap()
    {
        var splits = Path.Combine(TestData.RepoRoot, "configs", "splits");
        var (test1, val1) = SplitFiles.MitBihFold(Path.Combine(splits, "mitbih-ds1-folds.txt"), 1);
        var (test2, val2) = SplitFiles.MitBihFold(Path.Combine(splits, "mitbih-ds1-folds.txt"), 2);
        Assert.Contains("201", test1);
        Assert.Contains("203", test2);
        Assert.Empty(test1.Intersect(test2));
        Assert.Equal(22, test1.Count + test2.Count);
        Assert.Empty(val1.Intersect(test1));
        Assert.Empty(val2.Intersect(test2));

        var cincTest = SplitFiles.RecordList(Path.Combine(splits, "cinc2017-test.txt"));
        var cincValidation = SplitFiles.RecordList(Path.Combine(splits, "cinc2017-validation.txt"));
        Assert.Equal(1706, cincTest.Count);
        Assert.Equal(853, cincValidation.Count);
        Assert.Empty(cincTest.Intersect(cincValidation));

        var aftdb = SplitFiles.Roles(Path.Combine(splits, "aftdb.txt"));
        Assert.Equal(20, aftdb.Count(kv => kv.Value == "test"));
        Assert.All(aftdb.Where(kv => kv.Value == "test"), kv => Assert.StartsWith("test-set-b/", kv.Key));
    }

    [Fact]
    public void The_refit_split_keeps_every_fold_s_validation_records_out_of_training_and_122_out_of_thresholds()
    {
        // The shipped model's split: fold 1's validation records validate, fold 2's are its test, every other DS1 record trains.
        var splits = Path.Combine(TestData.RepoRoot, "configs", "splits");
        var (_, val1) = SplitFiles.MitBihFold(Path.Combine(splits, "mitbih-ds1-folds.txt"), 1);
        var (_, val2) = SplitFiles.MitBihFold(Path.Combine(splits, "mitbih-ds1-folds.txt"), 2);
        var (test, validation) = SplitFiles.MitBihFold(Path.Combine(splits, "mitbih-ds1-refit.txt"), 1);
        Assert.Equal(val1.Order(), validation.Order());
        Assert.Equal(val2.Order(), test.Order());
        Assert.Contains("122", test);
        Assert.DoesNotContain("201", test.Concat(validation));
        Assert.DoesNotContain("203", test.Concat(validation));
    }
}
