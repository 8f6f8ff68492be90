// Writes HF reference ids for the lines of a book that use the words a domain vocabulary added, committed as
// tests/Shared.Tests/Tokenization/hf-domain-golden.json: node make-domain-golden.mjs VOCAB OUT BOOK WORD...
// VOCAB is the adapted vocab.txt (written by DomainVocabulary with the arguments the test uses).
import { readFileSync, writeFileSync } from "node:fs";
import { loadBertTokenizer } from "./hf-tokenizer.mjs";

const [vocabPath, outPath, book, ...words] = process.argv.slice(2);
const tokenizer = await loadBertTokenizer(vocabPath);
const lines = readFileSync(book, "utf8").split(/\r?\n/);
const cases = [];
for (const word of words) {
  const line = lines.find((l) => l.toLowerCase().includes(word));
  cases.push({ source: word, text: word });
  if (line) cases.push({ source: word, text: line.length > 400 ? line.slice(0, 400) : line });
}
for (const c of cases) c.ids = Array.from((await tokenizer.encode(c.text, null, { addSpecialTokens: false })).getIds());
writeFileSync(outPath, JSON.stringify(cases, null, 0).replace(/\},\{/g, "},\n{") + "\n");
console.log(`wrote ${cases.length} cases to ${outPath}`);
