using BertServerless.Shared.Masking;
using BertServerless.Shared.Text;

namespace BertServerless.Shared.Prep;

/// <summary>
/// Every knob of data preparation, named by the <see cref="Knobs"/> rule (<c>max_len</c>, <c>--max-len</c>):
/// defaults from configuration section <see cref="SectionName"/>, overridden per upload by blob metadata, or set by
/// <c>bertsl prep</c>'s flags.
/// </summary>
public sealed class PrepOptions
{
    public const string SectionName = "Prep";

    /// <summary>Longest sequence, specials included. 512 as in the tutorial; 128 suits books of short sentences and trains ~4x faster.</summary>
    public int MaxLen { get; set; } = 512;

    /// <summary>
    /// Two-phase sequence length, as BERT's own recipe (90% of steps at 128, the rest at 512): prep also writes
    /// <c>phase2-shard-*</c> at this length, in the same pass, for the last phase2_fraction of training. Unset = one phase.
    /// </summary>
    public int? Phase2MaxLen { get; set; }

    public PairingMode Pairing { get; set; } = PairingMode.Sentence;

    /// <summary>Segment mode only: share of pairs packed to a shorter random length, as Google BERT's short_seq_prob.</summary>
    public double ShortSeqProb { get; set; } = 0.1;

    public MaskingMode Masking { get; set; } = MaskingMode.Standard;
    public double MaskProbability { get; set; } = 0.15;
    public bool WholeWordMasking { get; set; }

    /// <summary>Each pair is written this many times with independent maskings (Google BERT's dupe_factor).</summary>
    public int DupeFactor { get; set; } = 1;

    public int Seed { get; set; } = 42;

    /// <summary>Target sequences per shard; a chunk's sequences are spread evenly over its shards, so shards hold about this many.</summary>
    public int ShardSize { get; set; } = 2048;

    /// <summary>Text per chunk: the unit of parallel work and of random-B sampling. A few MB keeps one chunk well inside a function's time limit.</summary>
    public int ChunkChars { get; set; } = 4_000_000;

    public BookLayout Layout { get; set; } = BookLayout.Auto;

    /// <summary>"utf-8" (strict; invalid bytes are an error) or "latin1"/"windows-1252" to decode such files deliberately.</summary>
    public string Encoding { get; set; } = "utf-8";

    /// <summary>Up to this many of the book's frequent, badly split words take the vocabulary's <c>[unusedN]</c> slots (<see cref="Tokenization.DomainVocabulary"/>); 0 = off.</summary>
    public int DomainVocab { get; set; }

    /// <summary>With <see cref="DomainVocab"/>: a word must occur at least this often in the book to take a slot.</summary>
    public int MinCount { get; set; } = 5;

    /// <summary>A shard is read whole by the worker: 100,000 sequences of 512 tokens are about 800 MB of tensors.</summary>
    public const int MaxShardSize = 100_000;

    /// <summary>A chunk is read whole and must be prepared within one function's time limit (10 min).</summary>
    public const int MaxChunkChars = 16_000_000;

    /// <summary>bert-base-uncased reserves 994 <c>[unusedN]</c> slots; a vocabulary with fewer is checked when the words are chosen.</summary>
    public const int MaxDomainVocab = 994;

    public MaskingOptions ToMaskingOptions() => new() { Mode = Masking, Probability = MaskProbability, WholeWord = WholeWordMasking };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        Require(MaxLen is >= 8 and <= 8192, $"max_len must be between 8 and 8192 (got {MaxLen}).");
        Require(Phase2MaxLen is null || Phase2MaxLen > MaxLen && Phase2MaxLen <= 8192,
            $"phase2_max_len must be longer than max_len ({MaxLen}) and at most 8192, or unset for one phase (got {Phase2MaxLen}).");
        Require(MaskProbability is > 0 and < 1, $"mask_probability must be between 0 and 1 (got {MaskProbability}).");
        Require(ShortSeqProb is >= 0 and <= 1, $"short_seq_prob must be between 0 and 1 (got {ShortSeqProb}).");
        Require(DupeFactor is >= 1 and <= 100, $"dupe_factor must be between 1 and 100 (got {DupeFactor}).");
        Require(ShardSize is >= 1 and <= MaxShardSize, $"shard_size must be between 1 and {MaxShardSize:N0} (got {ShardSize}).");
        Require(ChunkChars is >= 1000 and <= MaxChunkChars, $"chunk_chars must be between 1,000 and {MaxChunkChars:N0} (got {ChunkChars}).");
        Require(DomainVocab is >= 0 and <= MaxDomainVocab, $"domain_vocab must be between 0 (off) and {MaxDomainVocab:N0} (got {DomainVocab}).");
        Require(MinCount >= 1, $"min_count must be at least 1 (got {MinCount}).");
        TextEncodings.Parse(Encoding);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
