namespace BertServerless.Shared.Shards;

/// <summary>
/// The phases of a two-phase run (BERT's own recipe): most steps on short sequences (max_len), the last
/// phase2_fraction on long ones (phase2_max_len). A one-phase run has only the first.
/// </summary>
public enum TrainingPhase
{
    First = 1,
    Second = 2,
}
