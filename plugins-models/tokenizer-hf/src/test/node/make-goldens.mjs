#!/usr/bin/env node
// Writes the golden files of plugins-models/tokenizer-hf: for every fixture tokenizer and every
// text of a fixed set, the ids that Hugging Face tokenizers give (with and without special
// tokens) and the strings they decode to.
//
// Two independent implementations are asked:
//   rust: @anush008/tokenizers, a Node binding of the Rust `tokenizers` crate (0.22.2), the
//         library behind transformers' fast tokenizers;
//   js:   @huggingface/tokenizers (tokenizers.js), Hugging Face's pure-JavaScript port.
// The golden value is the Rust one; where tokenizers.js disagrees, the difference is written
// into the golden file ("js" entries) and explained in the module README.
//
// Usage (node_modules stay out of the source tree):
//   D=$(mktemp -d) && cp package.json package-lock.json "$D" && (cd "$D" && npm ci)
//   node make-goldens.mjs --deps "$D" [--fixtures <shared>/fixtures] [--out <dir>]
//
// --fixtures defaults to the first shared/fixtures found walking up from this module.
// war-and-peace.txt is read from <fixtures>/../data/.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { HAND_TEXTS } from "./texts.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const moduleDir = path.resolve(here, "../../..");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function findShared() {
  for (let dir = moduleDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "shared", "fixtures");
    if (fs.existsSync(path.join(candidate, "tokenizers"))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

const deps = path.resolve(arg("deps", here));
const fixtures = path.resolve(arg("fixtures", findShared() ?? "shared/fixtures"));
const out = path.resolve(arg("out", path.join(moduleDir, "src/test/resources/goldens")));
const require = createRequire(path.join(deps, "package.json"));
const rust = require("@anush008/tokenizers");
const js = require("@huggingface/tokenizers");

const readJson = (p) => JSON.parse(fs.readFileSync(path.join(fixtures, "tokenizers", p), "utf8"));
const readText = (p) => fs.readFileSync(path.join(fixtures, "tokenizers", p), "utf8");

// ---------------------------------------------------------------------------------------------
// The texts: the hand-written ones (texts.mjs) and paragraphs of the novel.

// 20 paragraphs of War and Peace, evenly spaced through the book; paragraphs of 200 to 1500
// characters, newlines inside kept.
function warAndPeace() {
  const text = fs.readFileSync(path.join(fixtures, "..", "data", "war-and-peace.txt"), "utf8");
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length >= 200 && p.length <= 1500);
  const picked = [];
  for (let i = 0; i < 20; i++) picked.push(paragraphs[Math.floor(((i + 0.5) * paragraphs.length) / 20)]);
  return picked;
}

const TEXTS = [...HAND_TEXTS, ...warAndPeace()];

// ---------------------------------------------------------------------------------------------
// The fixture tokenizers, as tokenizer.json objects.

const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
// transformers' Qwen2Converter.
const QWEN2_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// meta-llama/Llama-3.2-1B tokenizer.json.
const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const byteLevel = (addPrefixSpace, trimOffsets, useRegex) => ({
  type: "ByteLevel",
  add_prefix_space: addPrefixSpace,
  trim_offsets: trimOffsets,
  use_regex: useRegex,
});

function readMerges(file) {
  // merges.txt / vocab.bpe: one "a b" pair a line, an optional "#version" header.
  return readText(file)
    .split("\n")
    .filter((line, i) => line.length > 0 && !(i === 0 && line.startsWith("#version")));
}

const added = (id, content, special) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: !special,
  special,
});

function tokenizerJson({ vocab, merges, normalizer = null, preTokenizer, postProcessor, addedTokens, ignoreMerges = false }) {
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer,
    pre_tokenizer: preTokenizer,
    post_processor: postProcessor,
    decoder: byteLevel(true, true, true),
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: ignoreMerges,
      vocab,
      merges,
    },
  };
}

// What transformers' GPT2Converter builds from vocab.json + merges.txt (GPT2Tokenizer with
// add_prefix_space false and no add_bos_token); <|endoftext|> is the special token of
// tokenizer_config.json / special_tokens_map.json.
function gpt2() {
  const vocab = readJson("gpt2/vocab.json");
  return tokenizerJson({
    vocab,
    merges: readMerges("gpt2/merges.txt"),
    preTokenizer: byteLevel(false, true, true),
    postProcessor: byteLevel(true, false, true),
    addedTokens: [{ ...added(vocab["<|endoftext|>"], "<|endoftext|>", true), normalized: true }],
  });
}

// What transformers' Qwen2Converter builds: NFC, the Qwen2 split regex, then ByteLevel without
// its own regex; the added tokens of tokenizer_config.json's added_tokens_decoder.
function qwen2() {
  const config = readJson("qwen2/tokenizer_config.json");
  const addedTokens = Object.entries(config.added_tokens_decoder).map(([id, t]) => ({
    id: Number(id),
    content: t.content,
    single_word: t.single_word,
    lstrip: t.lstrip,
    rstrip: t.rstrip,
    normalized: t.normalized,
    special: t.special,
  }));
  return tokenizerJson({
    vocab: readJson("qwen2/vocab.json"),
    merges: readMerges("qwen2/merges.txt"),
    normalizer: { type: "NFC" },
    preTokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: QWEN2_PATTERN }, behavior: "Isolated", invert: false },
        byteLevel(false, false, false),
      ],
    },
    postProcessor: byteLevel(false, false, false),
    addedTokens,
  });
}

// Llama-3.2's special tokens: 128000-128255.
function llama3Specials() {
  const named = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>",
    "<|finetune_right_pad_id|>",
    "<|reserved_special_token_2|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eom_id|>",
    "<|eot_id|>",
    "<|python_tag|>",
  ];
  const tokens = named.map((content, i) => added(128000 + i, content, true));
  for (let id = 128000 + named.length, n = 3; id < 128256; id++, n++) {
    tokens.push(added(id, `<|reserved_special_token_${n}|>`, true));
  }
  return tokens;
}

// The layout of meta-llama/Llama-3.2-1B's tokenizer.json around ollama's encoder.json and
// vocab.bpe: the Llama-3 split regex, ByteLevel, ignore_merges, <|begin_of_text|> added by a
// TemplateProcessing.
function llama3() {
  return tokenizerJson({
    vocab: readJson("llama-3/encoder.json"),
    merges: readMerges("llama-3/vocab.bpe"),
    preTokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: LLAMA3_PATTERN }, behavior: "Isolated", invert: false },
        byteLevel(false, true, false),
      ],
    },
    postProcessor: {
      type: "Sequence",
      processors: [
        byteLevel(true, false, true),
        {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
          pair: [
            { SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } },
            { Sequence: { id: "A", type_id: 0 } },
            { SpecialToken: { id: "<|begin_of_text|>", type_id: 1 } },
            { Sequence: { id: "B", type_id: 1 } },
          ],
          special_tokens: { "<|begin_of_text|>": { id: "<|begin_of_text|>", ids: [128000], tokens: ["<|begin_of_text|>"] } },
        },
      ],
    },
    addedTokens: llama3Specials(),
    ignoreMerges: true,
  });
}

// The llama-2 fixture has a space where the hub file has U+00A0 in 4 vocabulary entries, so 3
// merges ("   ", "     ", "▁  ") have more than one space and the Rust crate refuses the file
// ("Merges text file invalid"). For the Rust side only, those merges are written as pairs,
// split where both halves and their concatenation are in the vocabulary (one split each).
function pairAmbiguousMerges(tokenizer) {
  const vocab = tokenizer.model.vocab;
  const merges = tokenizer.model.merges.map((merge) => {
    if (Array.isArray(merge) || merge.split(" ").length === 2) return merge.split(" ");
    const splits = [];
    for (let i = 1; i < merge.length - 1; i++) {
      if (merge[i] !== " ") continue;
      const a = merge.slice(0, i);
      const b = merge.slice(i + 1);
      if (a in vocab && b in vocab && a + b in vocab) splits.push([a, b]);
    }
    if (splits.length !== 1) throw new Error(`merge ${JSON.stringify(merge)}: ${splits.length} splits`);
    return splits[0];
  });
  return { ...tokenizer, model: { ...tokenizer.model, merges } };
}

// The newer SentencePiece layout (transformers' LlamaConverter since the Metaspace rewrite, as
// in Mistral's later files) around llama-2's model: no normalizer, a Metaspace pre-tokenizer
// that prepends ▁ to the first piece only and does not split, and added tokens matched in the
// raw text. The decoder is ByteFallback then Metaspace, to test the Metaspace decoder too.
function metaspaceVariant(tokenizer) {
  const metaspace = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false };
  return {
    ...tokenizer,
    added_tokens: tokenizer.added_tokens.map((t) => ({ ...t, normalized: false })),
    normalizer: null,
    pre_tokenizer: metaspace,
    decoder: { type: "Sequence", decoders: [{ type: "ByteFallback" }, metaspace] },
  };
}

// smollm's tokenizer.json pads and truncates to 192 (a fine-tune's setting): both are batch
// concerns, not tokenization, and are left out here as Kiln's Tokenizer leaves them out.
function withoutPaddingAndTruncation(tokenizer) {
  return { ...tokenizer, padding: null, truncation: null };
}

const FIXTURES = [
  {
    name: "llama-2",
    source: "llama-2/tokenizer.json",
    tokenizer: () => readJson("llama-2/tokenizer.json"),
    forRust: pairAmbiguousMerges,
    config: () => readJson("llama-2/tokenizer_config.json"),
  },
  {
    name: "gpt2",
    built: true,
    source: "gpt2/vocab.json + gpt2/merges.txt, built as transformers' GPT2Converter",
    tokenizer: gpt2,
    config: () => readJson("gpt2/tokenizer_config.json"),
  },
  {
    name: "smollm",
    source: "smollm/tokenizer.json without its padding and truncation",
    tokenizer: () => withoutPaddingAndTruncation(readJson("smollm/tokenizer.json")),
    config: () => readJson("smollm/tokenizer_config.json"),
  },
  {
    name: "qwen2",
    built: true,
    source: "qwen2/vocab.json + qwen2/merges.txt + tokenizer_config.json, built as transformers' Qwen2Converter",
    tokenizer: qwen2,
    config: () => readJson("qwen2/tokenizer_config.json"),
  },
  {
    name: "llama-3",
    built: true,
    source: "llama-3/encoder.json + llama-3/vocab.bpe, built in the layout of Llama-3.2's tokenizer.json",
    tokenizer: llama3,
    config: () => ({}),
  },
  {
    name: "llama-2-metaspace",
    built: true,
    source: "llama-2/tokenizer.json in the newer layout: Metaspace pre-tokenizer (prepend_scheme first, split false), no normalizer, added tokens not normalized, decoder ByteFallback + Metaspace",
    tokenizer: () => metaspaceVariant(readJson("llama-2/tokenizer.json")),
    forRust: pairAmbiguousMerges,
    config: () => readJson("llama-2/tokenizer_config.json"),
  },
  {
    name: "phi-3-mini",
    source: "phi-3-mini/tokenizer.json",
    tokenizer: () => readJson("phi-3-mini/tokenizer.json"),
    config: () => readJson("phi-3-mini/tokenizer_config.json"),
  },
];

// ---------------------------------------------------------------------------------------------

function rustTokenizer(json) {
  try {
    return { tokenizer: rust.Tokenizer.fromString(JSON.stringify(json)) };
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
}

function jsTokenizer(json, config) {
  try {
    return { tokenizer: new js.Tokenizer(json, config) };
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
}

async function runRust(t, text) {
  const withSpecial = (await t.encode(text, null, { addSpecialTokens: true })).getIds();
  const plain = (await t.encode(text, null, { addSpecialTokens: false })).getIds();
  return {
    ids: plain,
    idsWithSpecial: withSpecial,
    decoded: await t.decode(withSpecial, false),
    decodedSkipSpecial: await t.decode(withSpecial, true),
  };
}

function runJs(t, text) {
  const decode = (ids, skip) =>
    ids.length === 0 ? "" : t.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
  const withSpecial = t.encode(text, { add_special_tokens: true }).ids;
  const plain = t.encode(text, { add_special_tokens: false }).ids;
  return {
    ids: plain,
    idsWithSpecial: withSpecial,
    decoded: decode(withSpecial, false),
    decodedSkipSpecial: decode(withSpecial, true),
  };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// One line per case keeps the files small and diffs readable.
function writeGolden(file, header, cases) {
  const lines = cases.map((c) => "    " + JSON.stringify(c));
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, "");
  fs.writeFileSync(file, `${head},\n  "cases": [\n${lines.join(",\n")}\n  ]\n}\n`);
}

fs.mkdirSync(out, { recursive: true });
const summary = [];

for (const fixture of FIXTURES) {
  const json = fixture.tokenizer();
  const config = fixture.config();
  const r = rustTokenizer(fixture.forRust ? fixture.forRust(json) : json);
  const j = jsTokenizer(json, config);
  if (!r.tokenizer && !j.tokenizer) throw new Error(`${fixture.name}: neither library loads it: ${r.error}; ${j.error}`);

  const cases = [];
  let disagreements = 0;
  for (const text of TEXTS) {
    const rr = r.tokenizer ? await runRust(r.tokenizer, text) : null;
    const jr = j.tokenizer ? runJs(j.tokenizer, text) : null;
    const golden = rr ?? jr;
    const c = { text, ...golden };
    if (rr && jr && !same(rr, jr)) {
      disagreements++;
      c.js = {};
      for (const k of Object.keys(rr)) if (!same(rr[k], jr[k])) c.js[k] = jr[k];
    }
    cases.push(c);
  }

  const header = {
    fixture: fixture.name,
    source: fixture.source,
    golden: r.tokenizer ? "rust (@anush008/tokenizers 0.6.0, tokenizers 0.22.2)" : "js (@huggingface/tokenizers 0.2.0)",
    rust: r.tokenizer ? (fixture.forRust ? "loaded with the ambiguous merges written as pairs" : "loaded") : `failed: ${r.error}`,
    js: j.tokenizer ? `loaded; disagrees with rust on ${disagreements} of ${TEXTS.length} texts` : `failed: ${j.error}`,
  };
  writeGolden(path.join(out, `${fixture.name}.json`), header, cases);
  // The built tokenizer.json, vocabulary and merges left out, for the Java tests to rebuild.
  if (fixture.built) {
    const skeleton = { ...json, model: { ...json.model, vocab: null, merges: null } };
    fs.writeFileSync(path.join(out, `${fixture.name}.tokenizer-skeleton.json`), JSON.stringify(skeleton, null, 2) + "\n");
  }
  summary.push(`${fixture.name}: rust ${header.rust}; js ${header.js}`);
}

// The pre-tokenizer splits alone, from the Rust crate: they test the Java translation of the
// split regexes without any vocabulary.
const splitters = {
  "gpt2-bytelevel": byteLevel(false, true, true),
  "qwen2-split": { type: "Split", pattern: { Regex: QWEN2_PATTERN }, behavior: "Isolated", invert: false },
  "llama3-split": { type: "Split", pattern: { Regex: LLAMA3_PATTERN }, behavior: "Isolated", invert: false },
  "digits-individual": { type: "Digits", individual_digits: true },
  "metaspace-first": { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: true },
};
const splitCases = [];
for (const [name, preTokenizer] of Object.entries(splitters)) {
  const t = rust.Tokenizer.fromString(
    JSON.stringify({
      version: "1.0",
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: preTokenizer,
      post_processor: null,
      decoder: null,
      model: { type: "BPE", vocab: {}, merges: [] },
    }),
  );
  for (const text of HAND_TEXTS) {
    splitCases.push({ pre_tokenizer: name, text, pieces: t.getPreTokenizer().preTokenizeString(text).map((p) => p[0]) });
  }
}
writeGolden(
  path.join(out, "pre-tokenizers.json"),
  { golden: "rust (@anush008/tokenizers 0.6.0, tokenizers 0.22.2)", pre_tokenizers: splitters },
  splitCases,
);

console.log(summary.join("\n"));
