#!/usr/bin/env node
// Writes the golden files of the BPE trainer (BpeTokenizerTrainer) from the Rust `tokenizers`
// crate (0.22.2, through @anush008/tokenizers 0.6.0) and tokenizers.js (@huggingface/tokenizers
// 0.2.0):
//
//   goldens/bpe-trainer.json   what the crate's BpeTrainer learns on the test corpus and on
//                              random texts over tiny alphabets: the vocabulary by id and the
//                              merges by rank. The binding trains only with the crate's default
//                              trainer (Tokenizer.train(files) -> BpeTrainer::default(): vocab
//                              30000, min frequency 0, no special tokens, no initial alphabet);
//                              the Java test trains with the same settings and must match exactly.
//   goldens/trained-bpe.json   the tokenizer Kiln trained (goldens/trained-bpe/tokenizer.json,
//                              written by BpeTrainerGoldenTest) loaded by both libraries: the ids
//                              and decodes of the hand-written texts and paragraphs of the corpus.
//
// Usage (node_modules stay out of the source tree; see make-goldens.mjs):
//   D=$(mktemp -d) && cp package.json package-lock.json "$D" && (cd "$D" && npm ci)
//   node make-trainer-goldens.mjs --deps "$D"

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { HAND_TEXTS } from "./texts.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const resources = path.resolve(here, "../resources");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const deps = path.resolve(arg("deps", here));
const require = createRequire(path.join(deps, "package.json"));
const rust = require("@anush008/tokenizers");
const js = require("@huggingface/tokenizers");

const CORPUS = path.join(resources, "trainer", "war-and-peace-1-5.txt");
const TRAINED = path.join(resources, "goldens", "trained-bpe");
const GOLDENS = path.join(resources, "goldens");

// Llama 3's split regex, then ByteLevel without its own regex: the pipeline Kiln's trainer writes.
const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const byteLevel = (addPrefixSpace, trimOffsets, useRegex) => ({
  type: "ByteLevel", add_prefix_space: addPrefixSpace, trim_offsets: trimOffsets, use_regex: useRegex,
});
const untrained = {
  version: "1.0", truncation: null, padding: null, added_tokens: [], normalizer: null,
  pre_tokenizer: {
    type: "Sequence",
    pretokenizers: [
      { type: "Split", pattern: { Regex: LLAMA3_PATTERN }, behavior: "Isolated", invert: false },
      byteLevel(false, true, false),
    ],
  },
  post_processor: byteLevel(true, false, true),
  decoder: byteLevel(true, true, true),
  model: {
    type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: {}, merges: [],
  },
};

// ---------------------------------------------------------------------------------------------
// 1. The crate's trainer.

// mulberry32: a small seeded generator, so the random texts are the same on every run.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Words of 1 to 8 letters of a tiny alphabet, mostly space-separated, some lines: merges keep
// re-creating tokens that exist ("a"+"bc" and "ab"+"c"), the crate's trickiest bookkeeping.
function randomText(letters, seed, words) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  let text = "";
  for (let i = 0; i < words; i++) {
    let word = "";
    for (let n = 1 + Math.floor(next() * 8); n > 0; n--) word += pick(letters);
    text += word + (next() < 0.1 ? "\n" : " ");
  }
  return text;
}

const TRAINING_CASES = [
  { name: "war-and-peace-1-5", file: CORPUS },
  { name: "random-ab-1", text: randomText(["a", "b"], 1, 600) },
  { name: "random-ab-2", text: randomText(["a", "b"], 2, 600) },
  { name: "random-abc-1", text: randomText(["a", "b", "c"], 11, 800) },
  { name: "random-abc-2", text: randomText(["a", "b", "c"], 12, 800) },
  { name: "random-abc-3", text: randomText(["a", "b", "c"], 13, 800) },
  { name: "random-mixed-1", text: randomText(["a", "b", "é", "日", "😀", "1", "2", ".", "'s", "\t"], 21, 800) },
  { name: "random-mixed-2", text: randomText(["x", "X", "y", "ÿ", "\u00a0", "3", "-", "'ll", "\r\n"], 22, 800) },
];

function trainWithCrate(file) {
  const tokenizer = rust.Tokenizer.fromString(JSON.stringify(untrained));
  tokenizer.train([file]);
  const saved = JSON.parse(saveToString(tokenizer));
  const vocab = Object.entries(saved.model.vocab).sort((a, b) => a[1] - b[1]).map(([token]) => token);
  return { vocab, merges: saved.model.merges };
}

function saveToString(tokenizer) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bpe-")), "tokenizer.json");
  tokenizer.save(file, false);
  return fs.readFileSync(file, "utf8");
}

const trainingGoldens = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bpe-texts-"));
for (const c of TRAINING_CASES) {
  let file = c.file;
  if (!file) {
    file = path.join(tmp, `${c.name}.txt`);
    fs.writeFileSync(file, c.text);
  }
  const { vocab, merges } = trainWithCrate(file);
  // Merges that make a token which already exists add none to the vocabulary.
  const alphabet = vocab.filter((t) => [...t].length === 1).length;
  const reused = merges.length - (vocab.length - alphabet);
  trainingGoldens.push({ name: c.name, ...(c.file ? { file: path.relative(resources, c.file) } : { text: c.text }), reusedTokens: reused, vocab, merges });
  console.log(`${c.name}: ${vocab.length} tokens, ${merges.length} merges, ${reused} re-creating a token`);
}

const trainerHeader = {
  golden: "rust (@anush008/tokenizers 0.6.0, tokenizers 0.22.2): Tokenizer.train(files) with BpeTrainer::default()",
  settings: { vocab_size: 30000, min_frequency: 0, special_tokens: [], initial_alphabet: [] },
  pre_tokenizer: untrained.pre_tokenizer,
};
const trainerLines = trainingGoldens.map((c) => "    " + JSON.stringify(c));
fs.writeFileSync(
  path.join(GOLDENS, "bpe-trainer.json"),
  JSON.stringify(trainerHeader, null, 2).replace(/\n}$/, "") + `,\n  "cases": [\n${trainerLines.join(",\n")}\n  ]\n}\n`,
);

// ---------------------------------------------------------------------------------------------
// 2. Kiln's trained tokenizer in both libraries.

if (!fs.existsSync(path.join(TRAINED, "tokenizer.json"))) {
  console.log(`${TRAINED}/tokenizer.json is missing: run BpeTrainerGoldenTest with -Dkiln.regenerate=true first`);
  process.exit(0);
}
const json = JSON.parse(fs.readFileSync(path.join(TRAINED, "tokenizer.json"), "utf8"));
const config = JSON.parse(fs.readFileSync(path.join(TRAINED, "tokenizer_config.json"), "utf8"));
const r = rust.Tokenizer.fromString(JSON.stringify(json));
const j = new js.Tokenizer(json, config);

// 20 paragraphs of the corpus, evenly spaced, newlines inside kept.
const paragraphs = fs.readFileSync(CORPUS, "utf8").split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p.length >= 100);
const TEXTS = [...HAND_TEXTS];
for (let i = 0; i < 20; i++) TEXTS.push(paragraphs[Math.floor(((i + 0.5) * paragraphs.length) / 20)]);

async function runRust(text) {
  const withSpecial = (await r.encode(text, null, { addSpecialTokens: true })).getIds();
  const plain = (await r.encode(text, null, { addSpecialTokens: false })).getIds();
  return { ids: plain, idsWithSpecial: withSpecial, decoded: await r.decode(withSpecial, false), decodedSkipSpecial: await r.decode(withSpecial, true) };
}

function runJs(text) {
  const decode = (ids, skip) => (ids.length === 0 ? "" : j.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false }));
  const withSpecial = j.encode(text, { add_special_tokens: true }).ids;
  const plain = j.encode(text, { add_special_tokens: false }).ids;
  return { ids: plain, idsWithSpecial: withSpecial, decoded: decode(withSpecial, false), decodedSkipSpecial: decode(withSpecial, true) };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const cases = [];
let disagreements = 0;
for (const text of TEXTS) {
  const rr = await runRust(text);
  const jr = runJs(text);
  const c = { text, ...rr };
  if (!same(rr, jr)) {
    disagreements++;
    c.js = {};
    for (const k of Object.keys(rr)) if (!same(rr[k], jr[k])) c.js[k] = jr[k];
  }
  cases.push(c);
}
const header = {
  fixture: "trained-bpe",
  source: "goldens/trained-bpe/tokenizer.json, as BpeTokenizerTrainer wrote it from trainer/war-and-peace-1-5.txt",
  golden: "rust (@anush008/tokenizers 0.6.0, tokenizers 0.22.2)",
  rust: "loaded",
  js: `loaded; disagrees with rust on ${disagreements} of ${TEXTS.length} texts`,
};
const lines = cases.map((c) => "    " + JSON.stringify(c));
fs.writeFileSync(
  path.join(GOLDENS, "trained-bpe.json"),
  JSON.stringify(header, null, 2).replace(/\n}$/, "") + `,\n  "cases": [\n${lines.join(",\n")}\n  ]\n}\n`,
);
console.log(`trained-bpe: rust loaded; js ${header.js}`);
