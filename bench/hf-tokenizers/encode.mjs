// Encode-only throughput of Hugging Face's Rust tokenizer on one core: node encode.mjs VOCAB CORPUS
// Run with RAYON_NUM_THREADS=1 so encodeBatch stays on one thread. Prints one JSON line.
import { readFileSync } from "node:fs";
import { loadBertTokenizer } from "./hf-tokenizer.mjs";

const [vocabPath, corpusPath] = process.argv.slice(2);
const tokenizer = await loadBertTokenizer(vocabPath);
const text = readFileSync(corpusPath, "utf8");
const lines = text.split("\n").filter((l) => l.trim().length > 0);
const batch = 1000;

const start = process.hrtime.bigint();
let tokens = 0;
for (let i = 0; i < lines.length; i += batch) {
  const encodings = await tokenizer.encodeBatch(lines.slice(i, i + batch), { addSpecialTokens: false });
  for (const e of encodings) tokens += e.getLength();
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const bytes = Buffer.byteLength(text, "utf8");
console.log(JSON.stringify({ bytes, tokens, seconds, mb_per_s: bytes / 1e6 / seconds, tokens_per_s: tokens / seconds }));
