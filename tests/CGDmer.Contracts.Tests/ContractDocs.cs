using System.Text.RegularExpressions;

namespace CGDmer.Contracts.Tests;

/// <summary>Reads the contract documents copied next to the test assembly and extracts their ```json examples.</summary>
internal static partial class ContractDocs
{
    public static string Read(string fileName) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "schemas", fileName));

    /// <summary>The bodies of the ```json fenced blocks of a markdown document, in order.</summary>
    public static IReadOnlyList<string> JsonBlocks(string markdownFile)
    {
        var blocks = JsonFence().Matches(Read(markdownFile).ReplaceLineEndings("\n")).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(blocks);
        return blocks;
    }

    [GeneratedRegex(@"^```json[ \t]*\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex JsonFence();
}
