using BertServerless.Shared.Shards;

namespace BertServerless.Worker.Tests.Training;

/// <summary>
/// Learnable stand-ins for prepared shards: every sentence counts up by one from a random start, B continues A for
/// "is next" and starts anywhere for "random", 15% of tokens are masked. Ids: 0 [PAD], 1 [CLS], 2 [SEP], 3 [MASK];
/// words use only 16 of the 60 other ids, so a model that learns anything at all beats its random start quickly.
/// </summary>
internal static class SyntheticShards
{
    public const int VocabSize = 64;
    private const int Cls = 1, Sep = 2, Mask = 3, FirstWord = 4, Words = 16;

    public static PretrainingExample[] Examples(int count, int seed, int minLength = 6, int maxLength = 30)
    {
        var random = new Random(seed);
        var examples = new PretrainingExample[count];
        for (var i = 0; i < count; i++)
        {
            var total = random.Next(minLength, maxLength + 1) - 3; // words, after [CLS] and two [SEP]
            var lengthA = Math.Max(1, total / 2);
            var lengthB = Math.Max(1, total - lengthA);
            var startA = random.Next(Words);
            var isNext = random.Next(2) == 0;
            var startB = isNext ? startA + lengthA : random.Next(Words);
            int[] ids = [Cls, .. Count(startA, lengthA), Sep, .. Count(startB, lengthB), Sep];
            var types = ids.Select((_, t) => (byte)(t <= lengthA + 1 ? 0 : 1)).ToArray();
            var labels = Enumerable.Repeat(ShardFormat.IgnoreLabel, ids.Length).ToArray();
            for (var t = 0; t < ids.Length; t++)
            {
                if (ids[t] < FirstWord || random.NextDouble() >= 0.15) continue;
                labels[t] = ids[t];
                ids[t] = Mask;
            }
            examples[i] = new PretrainingExample(ids, types, labels, isNext ? 0 : 1);
        }
        return examples;
    }

    public static Shard Shard(IReadOnlyList<PretrainingExample> examples)
    {
        var file = ShardWriter.Build(examples, padId: 0, new Dictionary<string, string> { [ShardFormat.Meta.VocabSize] = VocabSize.ToString() });
        using var stream = new MemoryStream();
        file.Write(stream);
        return Shared.Shards.Shard.FromFile(Shared.SafeTensors.SafeTensorsFile.Parse(stream.ToArray(), "synthetic"), "synthetic");
    }

    /// <summary>Writes <paramref name="shards"/> shards of <paramref name="perShard"/> examples into a fresh directory, as bertsl prep would.</summary>
    public static string WriteDirectory(string directory, int shards, int perShard, int seed)
    {
        Directory.CreateDirectory(directory);
        for (var s = 0; s < shards; s++)
        {
            var file = ShardWriter.Build(Examples(perShard, seed + s), padId: 0, new Dictionary<string, string> { [ShardFormat.Meta.VocabSize] = VocabSize.ToString() });
            file.Write(Path.Combine(directory, ShardFormat.FileName(0, s)));
        }
        return directory;
    }

    private static IEnumerable<int> Count(int start, int length)
        => Enumerable.Range(start, length).Select(k => FirstWord + k % Words);
}
