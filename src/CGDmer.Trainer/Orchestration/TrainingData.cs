using CGDmer.Model;
using System.Text.Json;
using CGDmer.Trainer.Data;
using CGDmer.Signal;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Datasets;
using CGDmer.Signal.PtbXl;

namespace CGDmer.Trainer.Orchestration;

/// <summary>The windows of a run and their patient-disjoint split.</summary>
public sealed record TrainingData(WindowSet Set, int[] Train, int[] Validation, int[] Test)
{
    /// <summary>What the data was, in a form that goes into checkpoints, the model card and the ONNX metadata.</summary>
    public string Summary()
    {
        object Part(int[] idx) => idx.GroupBy(i => Set.Sources[i]).ToDictionary(g => g.Key, g => new
        {
            windows = g.Count(),
            patients = g.Select(i => Set.Patients[i]).Distinct().Count(),
            positives = Set.Labels.Select((l, k) => (l.Key, n: g.Count(i => Set.HasLabel(i, k)))).Where(x => x.n > 0).ToDictionary(x => x.Key, x => x.n),
        });
        return JsonSerializer.Serialize(new { train = Part(Train), validation = Part(Validation), test = Part(Test), window_seconds = Set.WindowSamples });
    }

    public static TrainingData Build(TrainerConfig cfg, Action<string>? log = null)
    {
        var set = new WindowSet(cfg.Model.WindowSamples, EcgLabels.All, 4096,
                                cfg.EffectiveRhythmFeatureSet is { } features ? RhythmFeatures.CountOf(features) : 0, cfg.EffectiveRhythmFeatureSet);
        var split = new Dictionary<string, int>(); // patient → 0 train, 1 validation, 2 test
        var singleLeadCopies = cfg.Data.SingleLeadCopyLeads;   // for training records only
        var syn = cfg.Data.Synthetic;
        if (syn.Count > 0)
        {
            log?.Invoke($"synthesizing {syn.Count} 12-lead windows");
            SyntheticWindows.Add(set, cfg.Model.SampleRateHz, new SyntheticWindows.Options
            {
                Count = syn.Count, BaseSeed = syn.BaseSeed, TwoLeadShare = syn.TwoLeadShare, RandomSubsetShare = syn.RandomSubsetShare,
            });
            for (int k = 0; k < syn.Count; k++)
            {
                // Deterministic assignment by seed, independent of how many windows were asked for.
                double u = new Random(syn.BaseSeed + k + 77_777).NextDouble();
                split[$"synthetic-{syn.BaseSeed + k}"] = u < syn.TestShare ? 2 : u < syn.TestShare + syn.ValidationShare ? 1 : 0;
            }
        }
        if (cfg.Data.MitBih is { } mb)
        {
            if (mb.FoldsFile is { } foldsFile)
            {
                var (test, validation) = SplitFiles.MitBihFold(foldsFile, mb.Fold!.Value);
                mb = mb with { TestRecords = test, ValidationRecords = validation };
            }
            var records = mb.Records.Count > 0 ? mb.Records
                : Directory.GetFiles(mb.Dir, "*.atr").Select(Path.GetFileNameWithoutExtension).Order().ToList()!;
            foreach (var r in records)
            {
                string path = Path.Combine(mb.Dir, r!);
                if (!File.Exists(path + ".hea")) throw new FileNotFoundException($"MIT-BIH record '{r}' not found in '{mb.Dir}'.", path + ".hea");
                int role = mb.TestRecords.Contains(r!) ? 2 : mb.ValidationRecords.Contains(r!) ? 1 : 0;
                int n = AddMitBih(set, path, cfg.Model.SampleRateHz, mb, role == 0 ? singleLeadCopies : []);
                split["mitbih-" + r] = role;
                log?.Invoke($"MIT-BIH {r}: {n} windows");
            }
        }
        if (cfg.Data.Cinc2017 is { } cinc)
        {
            var test = SplitFiles.RecordList(cinc.TestList).ToHashSet();
            var validation = SplitFiles.RecordList(cinc.ValidationList).ToHashSet();
            int n = 0, windows = 0, trainSeen = 0;
            foreach (var entry in Cinc2017.Load(cinc.Dir))
            {
                int role = test.Contains(entry.RecordId) ? 2 : validation.Contains(entry.RecordId) ? 1 : 0;
                if (role == 0 && trainSeen++ % Math.Max(1, cinc.TrainEvery) != 0) continue;
                windows += RealWindows.AddCinc(set, cinc.Dir, entry, cfg.Model.SampleRateHz, cinc.StrideSeconds);
                split["cinc-" + entry.RecordId] = role;
                n++;
            }
            log?.Invoke($"CinC 2017: {n} recordings, {windows} windows");
        }
        if (cfg.Data.Aftdb is { } af)
        {
            var roles = SplitFiles.Roles(af.SplitFile);
            int windows = 0;
            var records = Aftdb.Enumerate(af.Dir);
            foreach (var info in records)
            {
                string key = $"{Aftdb.FolderName(info.Set)}/{info.RecordId}";
                int role = roles.GetValueOrDefault(key) switch { "test" => 2, "validation" => 1, _ => 0 };
                windows += RealWindows.AddAftdb(set, info, cfg.Model.SampleRateHz, af.StrideSeconds, role == 0 ? singleLeadCopies : []);
                split["aftdb-" + info.RecordId] = role;
            }
            log?.Invoke($"AFTDB: {records.Count} records, {windows} windows");
        }
        if (cfg.Data.PtbXl is { } px)
        {
            foreach (var (s, code) in new[] { (PtbXlSplit.Train, 0), (PtbXlSplit.Validation, 1), (PtbXlSplit.Test, 2) })
            {
                int before = set.Count;
                PtbXlWindows.Add(set, px.Root, s, cfg.Model.SampleRateHz, px.Limit);
                for (int i = before; i < set.Count; i++) split[set.Patients[i]] = code;
                log?.Invoke($"PTB-XL {s}: {set.Count - before} windows");
            }
        }
        var parts = new List<int>[] { new(), new(), new() };
        for (int i = 0; i < set.Count; i++) parts[split[set.Patients[i]]].Add(i);
        return new TrainingData(set, parts[0].ToArray(), parts[1].ToArray(), parts[2].ToArray());
    }

    /// <summary>FNV-1a of the name: string.GetHashCode is randomised per process, and report text must be reproducible.</summary>
    public static int StableSeed(string name)
    {
        uint h = 2166136261;
        foreach (char c in name) { h ^= c; h *= 16777619; }
        return (int)(h & 0x7fffffff);
    }

    private static int AddMitBih(WindowSet set, string path, int rate, MitBihData mb, IReadOnlyList<Lead>? singleLeadCopies)
    {
        var (rec, ann) = MitBihWindows.Read(path);
        int n = MitBihWindows.AddRecord(set, rec, ann, rate, mb.StrideSeconds, StableSeed(rec.Name), mb.MaxSecondsPerRecord);
        foreach (var view in RealWindows.SingleLeadViews(rec.Ecg, singleLeadCopies))
            n += MitBihWindows.AddRecord(set, view, rec.Name, ann, rate, mb.StrideSeconds, StableSeed(rec.Name), mb.MaxSecondsPerRecord);
        return n;
    }
}

/// <summary>Reads the committed split files of configs/splits (lines starting with '#' are comments).</summary>
public static class SplitFiles
{
    /// <summary>One record per line.</summary>
    public static List<string> RecordList(string path) => Lines(path).ToList();

    /// <summary>Lines "role record record …" → record → role.</summary>
    public static Dictionary<string, string> Roles(string path)
    {
        var roles = new Dictionary<string, string>();
        foreach (var line in Lines(path))
        {
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            foreach (var r in parts.Skip(1))
                if (!roles.TryAdd(r, parts[0])) throw new InvalidDataException($"Split file '{path}' lists '{r}' twice.");
        }
        return roles;
    }

    /// <summary>Lines "fold role record …": the test and validation records of <paramref name="fold"/>.</summary>
    public static (List<string> Test, List<string> Validation) MitBihFold(string path, int fold)
    {
        var test = new List<string>();
        var validation = new List<string>();
        foreach (var line in Lines(path))
        {
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || !int.TryParse(parts[0], out int f))
                throw new InvalidDataException($"Split file '{path}': expected 'fold role records…', got '{line}'.");
            if (f != fold) continue;
            (parts[1] switch
            {
                "test" => test,
                "validation" => validation,
                _ => throw new InvalidDataException($"Split file '{path}': unknown role '{parts[1]}'."),
            }).AddRange(parts.Skip(2));
        }
        if (test.Count == 0) throw new InvalidDataException($"Split file '{path}' has no test records for fold {fold}.");
        return (test, validation);
    }

    private static IEnumerable<string> Lines(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Split file '{path}' does not exist.", path);
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length > 0 && !line.StartsWith('#')) yield return line;
        }
    }
}
