using System.Runtime.InteropServices;
using BertServerless.Shared.SafeTensors;
using BertServerless.Shared.Shards;

namespace BertServerless.Worker.Training;

/// <summary>
/// One shard as <see cref="ShardDataset"/> holds it: each row's length and next-sentence label, eight bytes a row. A
/// shard on disk leaves its tokens in the file, read row by row when a batch needs them, so a run over any number of
/// shards holds none of them whole; a shard built in memory (tests, benchmarks) is read the same way from memory.
/// </summary>
internal sealed class ShardRows
{
    private readonly string? _path;
    private readonly SafeTensorsFile? _resident;

    public int Sequences { get; }
    public int SequenceLength { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public int[] Lengths { get; }
    public int[] NextSentenceLabels { get; }

    private ShardRows(Shard shard, string? path)
    {
        (Sequences, SequenceLength, Metadata, NextSentenceLabels) = (shard.Sequences, shard.SequenceLength, shard.Metadata, shard.NextSentenceLabel);
        Lengths = [.. Enumerable.Range(0, shard.Sequences).Select(shard.RowLength)];
        _path = path;
        if (path is not null) return;
        long[] shape = [Sequences, SequenceLength];
        _resident = new SafeTensorsFile(
        [
            SafeTensor.FromSpan<int>(ShardFormat.InputIds, SafeTensorsDType.I32, shape, shard.InputIds),
            SafeTensor.FromSpan<byte>(ShardFormat.TokenTypeIds, SafeTensorsDType.U8, shape, shard.TokenTypeIds),
            SafeTensor.FromSpan<int>(ShardFormat.Labels, SafeTensorsDType.I32, shape, shard.Labels),
        ]);
    }

    public static ShardRows InMemory(Shard shard) => new(shard, path: null);

    /// <summary>Reads and checks the whole shard once (every check <see cref="Shard.Read"/> makes), then keeps only its row lengths and labels.</summary>
    public static ShardRows FromFile(string path) => new(Shard.Read(path), path);

    /// <summary>A reader of this shard's token rows; a shard on disk stays open until the reader is disposed.</summary>
    public Reader OpenReader() => new(_resident ?? OpenFile(_path!), SequenceLength);

    private SafeTensorsFile OpenFile(string path)
    {
        var file = SafeTensorsFile.Open(path);
        long[] shape = [Sequences, SequenceLength];
        if (new[] { ShardFormat.InputIds, ShardFormat.TokenTypeIds, ShardFormat.Labels }.All(name => file.Contains(name) && file[name].Shape.SequenceEqual(shape)))
            return file;
        file.Dispose();
        throw new InvalidDataException($"Shard '{Path.GetFileName(path)}' changed on disk after it was loaded: it no longer holds [{Sequences}, {SequenceLength}] rows.");
    }

    public sealed class Reader(SafeTensorsFile file, int width) : IDisposable
    {
        private readonly SafeTensor _inputIds = file[ShardFormat.InputIds];
        private readonly SafeTensor _tokenTypes = file[ShardFormat.TokenTypeIds];
        private readonly SafeTensor _labels = file[ShardFormat.Labels];

        /// <summary>The first <paramref name="inputIds"/>.Length tokens of <paramref name="row"/>.</summary>
        public void Read(int row, Span<int> inputIds, Span<byte> tokenTypes, Span<int> labels)
        {
            var from = (long)row * width;
            _inputIds.CopyTo(from * sizeof(int), MemoryMarshal.AsBytes(inputIds));
            _tokenTypes.CopyTo(from, tokenTypes);
            _labels.CopyTo(from * sizeof(int), MemoryMarshal.AsBytes(labels));
        }

        public void Dispose() => file.Dispose();
    }
}
