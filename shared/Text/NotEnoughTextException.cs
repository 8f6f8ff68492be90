namespace BertServerless.Shared.Text;

/// <summary>The text cannot give correctly labelled next-sentence pairs: too few paragraphs or sentences.</summary>
public sealed class NotEnoughTextException(string message) : Exception(message);
