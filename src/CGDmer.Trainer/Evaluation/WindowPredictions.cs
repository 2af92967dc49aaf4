using System.Globalization;
using System.Text;
using CGDmer.Trainer.Data;

namespace CGDmer.Trainer.Evaluation;

/// <summary>
/// Each evaluated window's probabilities beside its labels, as CSV, so that decisions and thresholds can be studied
/// offline on the split a run was scored on, without training again.
/// </summary>
/// <remarks>
/// Columns: <c>window</c> (index in the run's window set), <c>patient</c>, <c>source</c>, <c>rr_irregularity</c> (the
/// RR-irregularity baseline's score), <c>signal_quality</c> and <c>beat_agreement</c> (the analysis lead's, as the
/// service measures them; these three empty without rhythm features), then per label <c>p_KEY</c> (probability, 6 decimals)
/// and <c>y_KEY</c> (1 present, 0 absent, empty where the window's source does not annotate the label). Invariant culture.
/// </remarks>
public static class WindowPredictions
{
    /// <param name="probabilities">[indices.Length × labels.Count], row k for window indices[k].</param>
    public static void Write(TextWriter writer, WindowSet set, IReadOnlyList<int> indices, ReadOnlySpan<float> probabilities, IReadOnlyList<string> labels)
    {
        if (probabilities.Length != indices.Count * labels.Count)
            throw new ArgumentException($"needs {indices.Count} × {labels.Count} probabilities, has {probabilities.Length}", nameof(probabilities));
        var columns = labels.Select(key => set.Labels.ToList().FindIndex(l => l.Key == key)).ToArray();
        for (int c = 0; c < columns.Length; c++)
            if (columns[c] < 0) throw new ArgumentException($"label '{labels[c]}' is not among the window set's labels", nameof(labels));
        var line = new StringBuilder("window,patient,source,rr_irregularity,signal_quality,beat_agreement");
        foreach (var key in labels) line.Append(",p_").Append(key).Append(",y_").Append(key);
        writer.WriteLine(line);
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            line.Clear().Append(i.ToString(CultureInfo.InvariantCulture)).Append(',').Append(Csv(set.Patients[i])).Append(',').Append(Csv(set.Sources[i])).Append(',');
            if (set.RhythmFeatureCount > 0)
            {
                var rhythm = set.Rhythm(i);
                line.Append(rhythm[WindowRhythm.IrregularityFeature].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                    .Append(rhythm[WindowRhythm.SignalQualityFeature].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                    .Append(rhythm[WindowRhythm.BeatAgreementFeature].ToString("R", CultureInfo.InvariantCulture));
            }
            else line.Append(",,");   // the three empty
            for (int c = 0; c < columns.Length; c++)
            {
                line.Append(',').Append(probabilities[k * labels.Count + c].ToString("F6", CultureInfo.InvariantCulture)).Append(',');
                if (set.IsKnown(i, columns[c])) line.Append(set.HasLabel(i, columns[c]) ? '1' : '0');
            }
            writer.WriteLine(line);
        }
    }

    private static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";
}
