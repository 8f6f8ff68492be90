// Writes HF reference token ids for sample lines of real books, committed as tests/Shared.Tests/Tokenization/hf-golden.json:
// node make-golden.mjs VOCAB OUT BOOK...
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { loadBertTokenizer } from "./hf-tokenizer.mjs";

const [vocabPath, outPath, ...books] = process.argv.slice(2);
const tokenizer = await loadBertTokenizer(vocabPath);
const tricky = [
  "Hello, my dog is cute", "unbelievably", "price $5 + tax", "a=b<c>d|e~f^g°h©i`j", "Café déjà vu, naïve façade.",
  "line one\nline two\tthree\r\nfour", "Mr. Holmes said “Good-bye!” — and left…", "北京欢迎你 and 東京", "3.14159 and 2,000,000",
  "don't won't it's", "e-mail @user #tag 50% & more", "\u00a0non\u00a0breaking\u2009thin", "zero\u200bwidth", "ﬁne ligature",
];
const cases = [];
for (const text of tricky) cases.push({ source: "crafted", text });
for (const book of books) {
  const lines = readFileSync(book, "utf8").split(/\r?\n/).filter((l) => l.trim().length > 0);
  const step = Math.max(1, Math.floor(lines.length / 150));
  for (let i = 0; i < lines.length; i += step) cases.push({ source: basename(book), text: lines[i] });
}
for (const c of cases) c.ids = Array.from((await tokenizer.encode(c.text, null, { addSpecialTokens: false })).getIds());
writeFileSync(outPath, JSON.stringify(cases, null, 0).replace(/\},\{/g, "},\n{") + "\n");
console.log(`wrote ${cases.length} cases to ${outPath}`);
