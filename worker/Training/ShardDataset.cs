using BertServerless.Shared.Shards;

namespace BertServerless.Worker.Training;

/// <summary>
/// The sequences of a set of shards, addressed by one global index (shard by shard, row by row), and the collation
/// of any selection of them into a <see cref="Batch"/> with dynamic padding: each batch is as long as its longest row.
/// Only row lengths and labels stay in memory (<see cref="ShardRows"/>); a batch's tokens are read from the shard files.
/// </summary>
public sealed class ShardDataset
{
    private readonly ShardRows[] _shards;
    private readonly string[] _files;
    private readonly int[] _firstRow; // global index of each shard's row 0, plus the total at the end
    private readonly int _start; // this view's first global index: held-out data is a view of the tail
    private readonly int _count;

    /// <summary>The shard files this dataset's sequences come from.</summary>
    public IReadOnlyList<string> Files => [.. _files.Where((_, i) => _firstRow[i] < _start + _count && _firstRow[i + 1] > _start)];
    public int Count => _count;
    public IReadOnlyDictionary<string, string> Metadata => _shards[0].Metadata;

    /// <summary>A dataset of shards held in memory, named as prep would name them.</summary>
    public ShardDataset(IReadOnlyList<Shard> shards)
        : this([.. shards.Select(ShardRows.InMemory)], [.. shards.Select((_, i) => ShardFormat.FileName(0, i))])
    {
    }

    private ShardDataset(ShardRows[] shards, string[] files)
    {
        if (shards.Length == 0) throw new ArgumentException("A dataset needs at least one shard.", nameof(shards));
        (_shards, _files) = (shards, files);
        _firstRow = new int[shards.Length + 1];
        for (var i = 0; i < shards.Length; i++) _firstRow[i + 1] = _firstRow[i] + shards[i].Sequences;
        _count = _firstRow[^1];
        TrainingVocabulary.CheckShardsAgree(_shards.Select(s => s.Metadata));
    }

    private ShardDataset(ShardDataset whole, int start, int count)
    {
        (_shards, _files, _firstRow) = (whole._shards, whole._files, whole._firstRow);
        (_start, _count) = (whole._start + start, count);
    }

    /// <summary>The <paramref name="count"/> sequences from <paramref name="start"/> on, sharing this dataset's shards.</summary>
    public ShardDataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"Cannot take {count} sequences from {start} of {Count}.");
        return new ShardDataset(this, start, count);
    }

    /// <summary>Reads every <c>shard-*.safetensors</c> of <paramref name="directory"/> in name order.</summary>
    public static ShardDataset Load(string directory) => FromFiles(ShardFiles(directory, "shard-*", "is it the output of bertsl prep?"));

    /// <summary>
    /// The <c>phase2-shard-*</c> of a two-phase prep for training, less the same eval_fraction tail that
    /// <see cref="LoadWithHoldOut"/> holds out: the held-out text stays unseen in both phases.
    /// </summary>
    public static ShardDataset LoadPhase2(string directory, double evalFraction)
    {
        var all = FromFiles(ShardFiles(directory, ShardFormat.Phase2Prefix + "shard-*", "phase2_fraction trains on them: prep with phase2_max_len set"));
        return all.Slice(0, all.Count - HeldOut(all.Count, evalFraction));
    }

    /// <summary>
    /// Splits a prep output directory into training and held-out sequences: the last round(fraction × count) sequences
    /// in shard-name order (book order), at least one when the fraction is positive and there are two or more. Holding
    /// out sequences rather than whole shards keeps an evaluation set for a book that fits in one shard.
    /// </summary>
    public static (ShardDataset Train, ShardDataset? Eval) LoadWithHoldOut(string directory, double evalFraction)
    {
        var all = Load(directory);
        var held = HeldOut(all.Count, evalFraction);
        return (all.Slice(0, all.Count - held), held == 0 ? null : all.Slice(all.Count - held, held));
    }

    private static int HeldOut(int count, double evalFraction)
        => evalFraction > 0 && count > 1 ? Math.Clamp((int)Math.Round(evalFraction * count), 1, count - 1) : 0;

    private static ShardDataset FromFiles(string[] files) => new([.. files.Select(ShardRows.FromFile)], files);

    private static string[] ShardFiles(string directory, string pattern, string hint)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Shard directory '{directory}' does not exist.");
        var files = Directory.GetFiles(directory, pattern + ShardFormat.FileExtension).Order(StringComparer.Ordinal).ToArray();
        return files.Length > 0
            ? files
            : throw new FileNotFoundException($"Shard directory '{directory}' holds no {pattern}{ShardFormat.FileExtension} files ({hint}).");
    }

    /// <summary>Number of real tokens of sequence <paramref name="index"/>.</summary>
    public int Length(int index)
    {
        var (shard, row) = Locate(index);
        return shard.Lengths[row];
    }

    /// <summary>
    /// Stacks the given sequences into a batch as long as the longest of them, or exactly <paramref name="padTo"/>
    /// long (the fixed-length recipe the benchmark compares against); padding positions get <paramref name="padId"/>,
    /// attention 0 and label -100.
    /// </summary>
    public Batch Collate(IReadOnlyList<int> indices, int padId, int? padTo = null)
    {
        var size = indices.Count;
        var lengths = indices.Select(Length).ToArray();
        var length = padTo ?? lengths.Max();
        if (lengths.Max() > length) throw new ArgumentException($"Cannot pad to {length}: a sequence has {lengths.Max()} tokens.", nameof(padTo));

        var inputIds = new long[size * length];
        var tokenTypes = new long[size * length];
        var attention = new long[size * length];
        var labels = new long[size * length];
        var nextSentence = new long[size];
        Array.Fill(inputIds, padId);
        Array.Fill(labels, ShardFormat.IgnoreLabel);
        var rowIds = new int[length];
        var rowTypes = new byte[length];
        var rowLabels = new int[length];
        var readers = new Dictionary<ShardRows, ShardRows.Reader>();
        long predicted = 0;
        try
        {
            for (var b = 0; b < size; b++)
            {
                var (shard, row) = Locate(indices[b]);
                if (!readers.TryGetValue(shard, out var reader)) readers[shard] = reader = shard.OpenReader();
                var n = lengths[b];
                reader.Read(row, rowIds.AsSpan(0, n), rowTypes.AsSpan(0, n), rowLabels.AsSpan(0, n));
                var to = b * length;
                for (var t = 0; t < n; t++)
                {
                    inputIds[to + t] = rowIds[t];
                    tokenTypes[to + t] = rowTypes[t];
                    attention[to + t] = 1;
                    labels[to + t] = rowLabels[t];
                    if (rowLabels[t] != ShardFormat.IgnoreLabel) predicted++;
                }
                nextSentence[b] = shard.NextSentenceLabels[row];
            }
        }
        finally
        {
            foreach (var reader in readers.Values) reader.Dispose();
        }
        return new Batch(size, length, inputIds, tokenTypes, attention, labels, nextSentence, lengths.Sum(), predicted);
    }

    private (ShardRows Shard, int Row) Locate(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has {Count} sequences.");
        index += _start;
        var shard = Array.BinarySearch(_firstRow, index);
        shard = shard >= 0 ? shard : ~shard - 1;
        while (_shards[shard].Sequences == 0) shard++; // an empty shard shares its first row with the next one
        return (_shards[shard], index - _firstRow[shard]);
    }
}
