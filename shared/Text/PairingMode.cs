namespace BertServerless.Shared.Text;

/// <summary>How <see cref="NspPairs"/> turns sentences into next-sentence-prediction pairs.</summary>
public enum PairingMode
{
    /// <summary>Every sentence with a successor in its paragraph starts one pair of single sentences.</summary>
    Sentence,

    /// <summary>The tutorial's sampling: one pair of single sentences per paragraph of two or more sentences.</summary>
    Tutorial,

    /// <summary>Google BERT's create_pretraining_data: A and B are runs of sentences packed to a token budget.</summary>
    Segment,
}
