using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace CGDmer.Model.Text;

/// <summary>
/// Tokenizes free-text ECG reports. GPT-2's byte-level BPE (Microsoft.ML.Tokenizers) splits any phrasing, abbreviation
/// or typo into known pieces; the model only keeps an embedding for the pieces that occur in its training reports
/// (a compact vocabulary), because a 50k-row embedding table would dwarf a small ECG model. Pieces never seen in training
/// map to UNK.
/// </summary>
public sealed class ReportTokenizer
{
    public const int Pad = 0;
    public const int Unknown = 1;
    private static readonly Lazy<Tokenizer> Bpe = new(() => TiktokenTokenizer.CreateForModel("gpt2"));
    private readonly Dictionary<int, int> _compact;
    private readonly int[] _bpeIds;

    private ReportTokenizer(int[] bpeIds)
    {
        _bpeIds = bpeIds;
        _compact = new Dictionary<int, int>(bpeIds.Length);
        for (int i = 0; i < bpeIds.Length; i++) _compact[bpeIds[i]] = i + 2;
    }

    /// <summary>Vocabulary size including PAD and UNK.</summary>
    public int VocabularySize => _bpeIds.Length + 2;

    public static ReportTokenizer Build(IEnumerable<string> corpus, int minCount = 1)
    {
        var counts = new Dictionary<int, int>();
        foreach (var text in corpus)
            foreach (var id in Bpe.Value.EncodeToIds(Normalize(text)))
                counts[id] = counts.GetValueOrDefault(id) + 1;
        var ids = counts.Where(kv => kv.Value >= minCount).Select(kv => kv.Key).Order().ToArray();
        return new ReportTokenizer(ids);
    }

    /// <summary>Writes token ids (PAD-filled) of <paramref name="text"/> into <paramref name="ids"/>; returns the count used.</summary>
    public int Encode(string text, Span<long> ids)
    {
        ids.Clear();
        int n = 0;
        foreach (var bpe in Bpe.Value.EncodeToIds(Normalize(text)))
        {
            if (n == ids.Length) break;
            ids[n++] = _compact.TryGetValue(bpe, out var c) ? c : Unknown;
        }
        return n;
    }

    /// <summary>Reports differ in case and spacing for reasons that carry no meaning.</summary>
    private static string Normalize(string text) => string.Join(' ', text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(new { tokenizer = "gpt2-bpe-compact", bpe_ids = _bpeIds }));

    public static ReportTokenizer Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        if (!doc.RootElement.TryGetProperty("bpe_ids", out var arr))
            throw new InvalidDataException($"'{path}' is not a report tokenizer file (no 'bpe_ids').");
        return new ReportTokenizer(arr.EnumerateArray().Select(e => e.GetInt32()).ToArray());
    }
}
