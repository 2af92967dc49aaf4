using CGDmer.Model;
using CGDmer.Signal;

namespace CGDmer.Trainer.Data;

/// <summary>
/// Orders windows into batches for one epoch. Windows are grouped by which leads they have, so a batch of 2-lead Holter
/// windows is not padded to 12 leads by one 12-lead window (see <see cref="Training.LeadSubset"/>); groups are shuffled
/// inside, cut into batches, and the batches shuffled, so each batch is lead-homogeneous but the epoch is still mixed.
/// Remainders of each group are pooled into mixed batches rather than dropped. Windows with and without a report are
/// grouped apart too, so a batch either joins the ECG–report contrastive arm whole or not at all; the pooled remainders
/// keep that apart as well.
/// </summary>
public static class BatchPlan
{
    private const int ReportBit = 1 << 12;

    /// <param name="handheldRecordingsTogether">
    /// The windows of each handheld (CinC 2017) recording stay next to each other (the recordings are shuffled, not their
    /// windows), so that a batch holds whole recordings, bar one at each cut, for a loss over the recording
    /// (<see cref="Training.ProbeOptions.PoolHandheldRecordings"/>).
    /// </param>
    public static List<int[]> Make(WindowSet data, IReadOnlyList<int> indices, int batchSize, Random rng, bool handheldRecordingsTogether = false)
    {
        var groups = new Dictionary<int, List<int>>();
        foreach (int i in indices)
        {
            int sig = 0;
            var mask = data.LeadMask(i);
            for (int l = 0; l < Leads.Count; l++) if (mask[l] > 0.5f) sig |= 1 << l;
            if (data.HasReport(i)) sig |= ReportBit;
            if (!groups.TryGetValue(sig, out var list)) groups[sig] = list = new List<int>();
            list.Add(i);
        }
        var batches = new List<int[]>();
        var rest = new[] { new List<int>(), new List<int>() };
        foreach (var sig in groups.Keys.Order())
        {
            var list = groups[sig].ToArray();
            if (handheldRecordingsTogether && list.Any(i => WindowSources.HandheldRecordingOf(data, i) is not null)) ShuffleByRecording(data, list, rng);
            else rng.Shuffle(list);
            int full = list.Length / batchSize;
            for (int k = 0; k < full; k++) batches.Add(list[(k * batchSize)..((k + 1) * batchSize)]);
            rest[(sig & ReportBit) != 0 ? 1 : 0].AddRange(list[(full * batchSize)..]);
        }
        foreach (var r in rest)
        {
            var restArr = r.ToArray();
            rng.Shuffle(restArr);
            for (int k = 0; k + batchSize <= restArr.Length; k += batchSize) batches.Add(restArr[k..(k + batchSize)]);
        }
        var arr = batches.ToArray();
        rng.Shuffle(arr);
        return arr.ToList();
    }

    /// <summary>
    /// Shuffles the handheld recordings of <paramref name="windows"/>, each one's windows kept together in their order,
    /// with every other window on its own (a bedside patient's hours stay spread over the epoch).
    /// </summary>
    private static void ShuffleByRecording(WindowSet data, int[] windows, Random rng)
    {
        var recordings = new List<List<int>>();
        var byRecording = new Dictionary<string, List<int>>();
        foreach (int i in windows)
        {
            if (WindowSources.HandheldRecordingOf(data, i) is not { } recording) { recordings.Add([i]); continue; }
            if (!byRecording.TryGetValue(recording, out var list)) recordings.Add(byRecording[recording] = list = []);
            list.Add(i);
        }
        var order = recordings.ToArray();
        rng.Shuffle(order);
        int k = 0;
        foreach (var recording in order) foreach (int i in recording) windows[k++] = i;
    }
}
