// bert-base-uncased exactly as transformers' BertTokenizerFast builds it: BertNormalizer (clean text, CJK split,
// accent strip, lower case) + BertPreTokenizer + WordPiece with ## continuation and [UNK].
import { Tokenizer, WordPiece, bertNormalizer, bertPreTokenizer } from "@anush008/tokenizers";

export async function loadBertTokenizer(vocabPath) {
  const tokenizer = new Tokenizer(await WordPiece.fromFile(vocabPath, { unkToken: "[UNK]", continuingSubwordPrefix: "##", maxInputCharsPerWord: 100 }));
  tokenizer.setNormalizer(bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true }));
  tokenizer.setPreTokenizer(bertPreTokenizer());
  return tokenizer;
}
