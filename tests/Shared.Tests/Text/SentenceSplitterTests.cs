using BertServerless.Shared.Text;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Text;

public class SentenceSplitterTests
{
    // Expected sentences are separated by " | ".
    [Theory]
    [InlineData("One. Two? Three! Four", "One. | Two? | Three! | Four")]
    [InlineData("Really?! Yes.", "Really?! | Yes.")]
    [InlineData("Mr. Holmes met Mrs. Hudson and Dr. Watson on St. James Street. They talked.", "Mr. Holmes met Mrs. Hudson and Dr. Watson on St. James Street. | They talked.")]
    [InlineData("Smith Jr. won vs. Jones. Then he left.", "Smith Jr. won vs. Jones. | Then he left.")]
    [InlineData("Some fruit, e.g. apples, i.e. red ones. Fine.", "Some fruit, e.g. apples, i.e. red ones. | Fine.")]
    [InlineData("I saw E.G. Smith. He waved.", "I saw E.G. Smith. | He waved.")]
    [InlineData("Music by J. S. Bach and books by A. C. Doyle. Both old.", "Music by J. S. Bach and books by A. C. Doyle. | Both old.")]
    [InlineData("Pi is 3.14 or so. It costs 2.50 now.", "Pi is 3.14 or so. | It costs 2.50 now.")]
    [InlineData("Wait... what? No.", "Wait... what? | No.")]
    [InlineData("He paused... Then he went on. Well… Fine.", "He paused... Then he went on. | Well… Fine.")]
    [InlineData("\"Hello.\" She said it twice.", "\"Hello.\" | She said it twice.")]
    [InlineData("“Wedlock suits you,” he remarked. “I think so.” It did.", "“Wedlock suits you,” he remarked. | “I think so.” | It did.")]
    [InlineData("“Seven!” I answered.", "“Seven!” | I answered.")]
    [InlineData("“You had my note?” he asked.", "“You had my note?” he asked.")]
    [InlineData("He said ‘go.’ Then left. (See above.) Next.", "He said ‘go.’ | Then left. | (See above.) | Next.")]
    [InlineData("It was I. Then came the rest.", "It was I. | Then came the rest.")]
    [InlineData("  Spaces around.   And between.  ", "Spaces around. | And between.")]
    [InlineData("No terminal mark at all", "No terminal mark at all")]
    [InlineData("end.Next is one word. Yes.", "end.Next is one word. | Yes.")]
    public void Split_Text_ExpectedSentences(string paragraph, string expected) =>
        Assert.Equal(expected.Split(" | "), SentenceSplitter.Split(paragraph));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(". . .")]
    public void Split_NoWords_NoEmptySentences(string paragraph) =>
        Assert.All(SentenceSplitter.Split(paragraph), sentence => Assert.NotEqual("", sentence.Trim()));

    [Fact]
    public void Split_Sherlock_KeepsEveryCharacterOutsideWhitespace()
    {
        using var stream = File.OpenRead(TestData.Sherlock);
        foreach (var paragraph in BookReader.ReadParagraphs(stream, new BookReaderOptions(), "sherlock"))
            Assert.Equal(paragraph.Replace(" ", ""), string.Concat(SentenceSplitter.Split(paragraph)).Replace(" ", ""));
    }

    [Fact]
    public void Split_SherlockParagraph_SplitsAtSentenceEndsOnly()
    {
        var sentences = SentenceSplitter.Split(
            "“This is my friend and colleague, Dr. Watson, who is occasionally good enough to help me in my cases. Whom have I the honour to address?”");

        Assert.Equal(["“This is my friend and colleague, Dr. Watson, who is occasionally good enough to help me in my cases.", "Whom have I the honour to address?”"], sentences);
    }
}
