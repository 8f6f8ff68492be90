using BertServerless.Shared.SafeTensors;

namespace BertServerless.Shared.Shards;

/// <summary>Packs examples into one shard: pads every row to the shard's longest sequence and stamps the counts into the metadata.</summary>
public static class ShardWriter
{
    public static SafeTensorsFile Build(IReadOnlyList<PretrainingExample> examples, int padId, IReadOnlyDictionary<string, string> metadata)
    {
        if (examples.Count == 0) throw new ArgumentException("A shard needs at least one example.", nameof(examples));
        var n = examples.Count;
        var l = examples.Max(e => e.Length);
        var inputIds = new int[n * l];
        var tokenTypes = new byte[n * l];
        var attention = new byte[n * l];
        var labels = new int[n * l];
        var nextSentence = new int[n];
        Array.Fill(inputIds, padId);
        Array.Fill(labels, ShardFormat.IgnoreLabel);
        long tokens = 0, predicted = 0, isNext = 0;
        for (var i = 0; i < n; i++)
        {
            var e = examples[i];
            var row = i * l;
            e.InputIds.CopyTo(inputIds, row);
            e.TokenTypeIds.CopyTo(tokenTypes, row);
            e.Labels.CopyTo(labels, row);
            attention.AsSpan(row, e.Length).Fill(1);
            nextSentence[i] = e.NextSentenceLabel;
            tokens += e.Length;
            predicted += e.Labels.Count(x => x != ShardFormat.IgnoreLabel);
            if (e.NextSentenceLabel == 0) isNext++;
        }

        var meta = new Dictionary<string, string>(metadata)
        {
            [ShardFormat.Meta.FormatVersion] = ShardFormat.Version,
            [ShardFormat.Meta.Sequences] = n.ToString(),
            [ShardFormat.Meta.Tokens] = tokens.ToString(),
            [ShardFormat.Meta.PredictedTokens] = predicted.ToString(),
            [ShardFormat.Meta.IsNext] = isNext.ToString(),
        };
        long[] matrix = [n, l];
        return new SafeTensorsFile(
        [
            SafeTensor.FromSpan<int>(ShardFormat.InputIds, SafeTensorsDType.I32, matrix, inputIds),
            SafeTensor.FromSpan<byte>(ShardFormat.TokenTypeIds, SafeTensorsDType.U8, matrix, tokenTypes),
            SafeTensor.FromSpan<byte>(ShardFormat.AttentionMask, SafeTensorsDType.U8, matrix, attention),
            SafeTensor.FromSpan<int>(ShardFormat.Labels, SafeTensorsDType.I32, matrix, labels),
            SafeTensor.FromSpan<int>(ShardFormat.NextSentenceLabel, SafeTensorsDType.I32, [n], nextSentence),
        ], meta);
    }
}
