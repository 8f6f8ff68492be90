using BertServerless.Shared.Shards;
using BertServerless.Tests;

namespace BertServerless.Cli.Tests;

public class PrepCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _work = Directory.CreateTempSubdirectory("bertsl-cli-").FullName;

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_work, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task Prep_sample_book_writes_manifest_shards_and_summary()
    {
        var output = Path.Combine(_work, "shards");
        var result = await Bertsl.RunAsync(_work, Timeout, "prep", "--input", TestData.Meditations, "--out", output, "--max-len", "128");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("is-next share", result.Stdout);
        Assert.Contains("[UNK] rate", result.Stdout);
        var manifest = ShardManifest.Read(Path.Combine(output, ShardFormat.ManifestFileName));
        Assert.All(manifest.Shards, s => Assert.Equal(s.Sequences, Shard.Read(Path.Combine(output, s.File)).Sequences));
    }

    // The theory's data is the file name only: xunit formats every argument into the test's name, and a 10 MB byte
    // array there costs the test host gigabytes.
    public static TheoryData<string, string> BadBooks() => new()
    {
        { "empty.txt", "is empty" },
        { "blank.txt", "only whitespace" },
        { "data.bin", "binary" },
        { "one-line.txt", "over 1,000,000 characters" },
        { "short.txt", "two or more sentences" },
        { "latin1.txt", "not valid UTF-8" },
    };

    private static byte[] BadBook(string name) => name switch
    {
        "empty.txt" => [],
        "blank.txt" => "  \n\n \t \n"u8.ToArray(),
        "data.bin" => [.. Enumerable.Range(0, 50_000).Select(i => (byte)(i * 31 % 256))],
        "one-line.txt" => System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("word ", 2_100_000))),
        "short.txt" => "One sentence here.\nAnother single one.\n"u8.ToArray(),
        "latin1.txt" => System.Text.Encoding.Latin1.GetBytes("Caf\u00e9 au lait. Tr\u00e8s bien.\nSecond paragraph. Here.\n"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such bad book"),
    };

    [Theory]
    [MemberData(nameof(BadBooks))]
    public async Task Prep_bad_book_fails_with_clear_message_and_no_manifest(string name, string expected)
    {
        var output = Path.Combine(_work, "out-" + name);
        var result = await Bertsl.RunAsync(_work, Timeout, "prep", "--input", Write(name, BadBook(name)), "--out", output);

        Assert.Equal(2, result.ExitCode); // bad input: CliErrors.BadInput
        Assert.StartsWith("error: ", result.Stderr);
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.False(File.Exists(Path.Combine(output, ShardFormat.ManifestFileName)));
    }

    [Fact]
    public async Task Prep_missing_book_names_the_path()
    {
        var result = await Bertsl.RunAsync(_work, Timeout, "prep", "--input", "no-such-book.txt", "--out", "x");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no-such-book.txt", result.Stderr);
    }
}
