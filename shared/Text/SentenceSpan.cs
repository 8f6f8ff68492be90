namespace BertServerless.Shared.Text;

/// <summary><paramref name="Count"/> consecutive sentences of paragraph <paramref name="Paragraph"/>, from sentence <paramref name="First"/>.</summary>
public readonly record struct SentenceSpan(int Paragraph, int First, int Count);
