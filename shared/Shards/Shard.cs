using BertServerless.Shared.SafeTensors;

namespace BertServerless.Shared.Shards;

/// <summary>
/// A shard read back and checked against <see cref="ShardFormat"/>: row-major [N, L] arrays.
/// Reading rejects a file that is not a well-formed shard with an <see cref="InvalidDataException"/> that says why.
/// </summary>
public sealed class Shard
{
    public required int Sequences { get; init; }
    public required int SequenceLength { get; init; }
    public required int[] InputIds { get; init; }
    public required byte[] TokenTypeIds { get; init; }
    public required byte[] AttentionMask { get; init; }
    public required int[] Labels { get; init; }
    public required int[] NextSentenceLabel { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>Number of real (non-padding) tokens in row <paramref name="row"/>.</summary>
    public int RowLength(int row)
    {
        var mask = AttentionMask.AsSpan(row * SequenceLength, SequenceLength);
        var length = mask.IndexOf((byte)0);
        return length < 0 ? SequenceLength : length;
    }

    public static Shard Read(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return FromFile(file, Path.GetFileName(path));
    }

    public static async Task<Shard> ReadAsync(Stream stream, string sourceName, CancellationToken cancellationToken = default)
        => FromFile(await SafeTensorsFile.ReadAsync(stream, sourceName, cancellationToken), sourceName);

    public static Shard FromFile(SafeTensorsFile file, string sourceName)
    {
        var version = file.Metadata.GetValueOrDefault(ShardFormat.Meta.FormatVersion);
        if (version != ShardFormat.Version)
            throw Invalid(sourceName, version is null
                ? "its metadata has no format_version (is it a shard written by bertsl prep?)"
                : $"format_version {version} is not supported (this build reads {ShardFormat.Version})");

        var inputIds = Matrix(file, ShardFormat.InputIds, SafeTensorsDType.I32, sourceName);
        var n = inputIds.Shape[0];
        var l = inputIds.Shape[1];
        foreach (var name in new[] { ShardFormat.TokenTypeIds, ShardFormat.AttentionMask })
            SameShape(Matrix(file, name, SafeTensorsDType.U8, sourceName), n, l, sourceName);
        SameShape(Matrix(file, ShardFormat.Labels, SafeTensorsDType.I32, sourceName), n, l, sourceName);
        var nsp = Tensor(file, ShardFormat.NextSentenceLabel, SafeTensorsDType.I32, sourceName);
        if (nsp.Shape.Length != 1 || nsp.Shape[0] != n)
            throw Invalid(sourceName, $"next_sentence_label has shape [{string.Join(", ", nsp.Shape)}], expected [{n}]");

        var shard = new Shard
        {
            Sequences = (int)n,
            SequenceLength = (int)l,
            InputIds = inputIds.ToArray<int>(),
            TokenTypeIds = file[ShardFormat.TokenTypeIds].ToArray<byte>(),
            AttentionMask = file[ShardFormat.AttentionMask].ToArray<byte>(),
            Labels = file[ShardFormat.Labels].ToArray<int>(),
            NextSentenceLabel = nsp.ToArray<int>(),
            Metadata = file.Metadata,
        };
        shard.CheckValues(sourceName);
        return shard;
    }

    private void CheckValues(string sourceName)
    {
        if (Array.Exists(AttentionMask, m => m > 1)) throw Invalid(sourceName, "attention_mask holds values other than 0 and 1");
        if (Array.Exists(TokenTypeIds, t => t > 1)) throw Invalid(sourceName, "token_type_ids holds values other than 0 and 1");
        if (Array.Exists(NextSentenceLabel, x => x is not (0 or 1))) throw Invalid(sourceName, "next_sentence_label holds values other than 0 and 1");
        if (Array.Exists(InputIds, id => id < 0)) throw Invalid(sourceName, "input_ids holds negative ids");
        if (Array.Exists(Labels, x => x < 0 && x != ShardFormat.IgnoreLabel)) throw Invalid(sourceName, "labels holds negative values other than -100");
        if (Metadata.TryGetValue(ShardFormat.Meta.VocabSize, out var v) && int.TryParse(v, out var vocabSize)
            && (Array.Exists(InputIds, id => id >= vocabSize) || Array.Exists(Labels, x => x >= vocabSize)))
            throw Invalid(sourceName, $"it holds token ids at or above its vocab_size {vocabSize}");
    }

    private static SafeTensor Tensor(SafeTensorsFile file, string name, SafeTensorsDType dtype, string sourceName)
    {
        if (!file.Contains(name)) throw Invalid(sourceName, $"tensor '{name}' is missing");
        var tensor = file[name];
        if (tensor.DType != dtype) throw Invalid(sourceName, $"tensor '{name}' is {tensor.DType}, expected {dtype}");
        return tensor;
    }

    private static SafeTensor Matrix(SafeTensorsFile file, string name, SafeTensorsDType dtype, string sourceName)
    {
        var tensor = Tensor(file, name, dtype, sourceName);
        if (tensor.Shape.Length != 2) throw Invalid(sourceName, $"tensor '{name}' has {tensor.Shape.Length} dimensions, expected 2");
        return tensor;
    }

    private static void SameShape(SafeTensor tensor, long n, long l, string sourceName)
    {
        if (tensor.Shape[0] != n || tensor.Shape[1] != l)
            throw Invalid(sourceName, $"tensor '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}], input_ids has [{n}, {l}]");
    }

    private static InvalidDataException Invalid(string sourceName, string reason) => new($"Shard '{sourceName}' is invalid: {reason}.");
}
