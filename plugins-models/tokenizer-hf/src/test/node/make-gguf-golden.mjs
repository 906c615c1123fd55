#!/usr/bin/env node
// Writes src/test/resources/goldens/llama-2-gguf.json: the ids Hugging Face tokenizers gives for
// the vocabulary inside weights-gguf's test fixture llama-2-tiny-random.gguf, on the texts of
// goldens/llama-2.json, and which of those texts tokenize differently from llama-2/tokenizer.json.
//
// The tokenizer is the one transformers makes of a GGUF "llama" vocabulary
// (integrations/ggml.py GGUFTokenizerSkeleton + GGUFLlamaConverter, then LlamaTokenizerFast):
//   model       BPE over tokenizer.ggml.tokens, unk_token <unk>, fuse_unk, byte_fallback; merges
//               built from tokenizer.ggml.scores: every cut of a token into two tokens, each
//               token's cuts sorted by (score left, score right) descending, then all by the
//               token's score descending (both sorts stable)
//   added       the control tokens (token_type 3) as special, normalized false; the unk token,
//               which LlamaTokenizerFast adds as a special token (normalized false)
//   normalizer  Prepend("▁"), Replace(" ", "▁")   (legacy, add_prefix_space true)
//   post        TemplateProcessing "<s> $A"         (LlamaTokenizerFast add_bos_token true)
//   decoder     ByteFallback, Fuse, Replace("▁", " "), Strip(" ", 1, 0)
// and it is run by @anush008/tokenizers 0.6.0, the Rust tokenizers crate 0.22.2 (see
// make-goldens.mjs for the dependencies).
//
// Usage: node make-gguf-golden.mjs --deps <dir with node_modules>

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const moduleDir = path.resolve(here, "../../..");
const resources = path.join(moduleDir, "src/test/resources");
const argIndex = process.argv.indexOf("--deps");
const deps = path.resolve(argIndex >= 0 ? process.argv[argIndex + 1] : here);
const rust = createRequire(path.join(deps, "package.json"))("@anush008/tokenizers");

// ---- a GGUF metadata reader ------------------------------------------------------------------

function readGgufMetadata(file) {
  const buf = fs.readFileSync(file);
  let pos = 0;
  const u32 = () => { const v = buf.readUInt32LE(pos); pos += 4; return v; };
  const u64 = () => { const v = Number(buf.readBigUInt64LE(pos)); pos += 8; return v; };
  const str = () => { const n = u64(); const s = buf.toString("utf8", pos, pos + n); pos += n; return s; };
  const scalar = {
    0: () => buf.readUInt8(pos++), 1: () => buf.readInt8(pos++),
    2: () => { const v = buf.readUInt16LE(pos); pos += 2; return v; },
    3: () => { const v = buf.readInt16LE(pos); pos += 2; return v; },
    4: u32, 5: () => { const v = buf.readInt32LE(pos); pos += 4; return v; },
    6: () => { const v = buf.readFloatLE(pos); pos += 4; return v; },
    7: () => buf.readUInt8(pos++) !== 0, 8: str, 10: u64,
    11: () => { const v = Number(buf.readBigInt64LE(pos)); pos += 8; return v; },
    12: () => { const v = buf.readDoubleLE(pos); pos += 8; return v; },
  };
  const value = (type) => {
    if (type === 9) {
      const elementType = u32();
      const n = u64();
      return Array.from({ length: n }, () => value(elementType));
    }
    return scalar[type]();
  };
  if (buf.toString("latin1", 0, 4) !== "GGUF") throw new Error(`${file}: not GGUF`);
  pos = 4;
  u32(); // version
  u64(); // tensor count
  const count = u64();
  const metadata = {};
  for (let i = 0; i < count; i++) {
    const key = str();
    metadata[key] = value(u32());
  }
  return metadata;
}

// ---- transformers' GGUF llama tokenizer ------------------------------------------------------

function mergesFromScores(tokens, scores) {
  const vocab = new Map(); // a Python dict: first place, last value
  tokens.forEach((t, i) => vocab.set(t, scores[i]));
  const merges = [];
  for (const [merge, score] of vocab) {
    const chars = Array.from(merge); // Python slices by code point
    const local = [];
    for (let index = 1; index < chars.length; index++) {
      const left = chars.slice(0, index).join("");
      const right = chars.slice(index).join("");
      if (vocab.has(left) && vocab.has(right)) local.push([left, right, score]);
    }
    // sorted(key=(vocab[l], vocab[r]), reverse=True): descending, stable
    local.sort((a, b) => (vocab.get(b[0]) - vocab.get(a[0])) || (vocab.get(b[1]) - vocab.get(a[1])));
    merges.push(...local);
  }
  merges.sort((a, b) => b[2] - a[2]); // sorted(key=score, reverse=True): descending, stable
  return merges.map(([l, r]) => [l, r]);
}

function ggufLlamaTokenizerJson(metadata) {
  const tokens = metadata["tokenizer.ggml.tokens"];
  const scores = metadata["tokenizer.ggml.scores"];
  const types = metadata["tokenizer.ggml.token_type"];
  const unk = tokens[metadata["tokenizer.ggml.unknown_token_id"]];
  const bosId = metadata["tokenizer.ggml.bos_token_id"];
  const bos = tokens[bosId];
  const vocab = {};
  tokens.forEach((t, i) => { vocab[t] = i; });
  const added = [];
  tokens.forEach((t, i) => {
    if (types[i] === 3 || t === unk) {
      added.push({ id: i, content: t, single_word: false, lstrip: false, rstrip: false,
        normalized: false, special: true });
    }
  });
  const seq = (id, typeId) => ({ Sequence: { id, type_id: typeId } });
  const special = (typeId) => ({ SpecialToken: { id: bos, type_id: typeId } });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: "Sequence", normalizers: [
      { type: "Prepend", prepend: "\u2581" },
      { type: "Replace", pattern: { String: " " }, content: "\u2581" },
    ] },
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [special(0), seq("A", 0)],
      pair: [special(0), seq("A", 0), special(1), seq("B", 1)],
      special_tokens: { [bos]: { id: bos, ids: [bosId], tokens: [bos] } },
    },
    decoder: { type: "Sequence", decoders: [
      { type: "ByteFallback" },
      { type: "Fuse" },
      { type: "Replace", pattern: { String: "\u2581" }, content: " " },
      { type: "Strip", content: " ", start: 1, stop: 0 },
    ] },
    model: {
      type: "BPE", dropout: null, unk_token: unk, continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false,
      vocab, merges: mergesFromScores(tokens, scores),
    },
  };
}

// ---- the golden ------------------------------------------------------------------------------

const metadata = readGgufMetadata(path.join(moduleDir,
  "../weights-gguf/src/test/resources/fixtures/llama-2-tiny-random.gguf"));
const tokenizer = rust.Tokenizer.fromString(JSON.stringify(ggufLlamaTokenizerJson(metadata)));
const llama2 = JSON.parse(fs.readFileSync(path.join(resources, "goldens/llama-2.json"), "utf8"));

const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const cases = [];
const differs = [];
for (const c of llama2.cases) {
  const withSpecial = Array.from((await tokenizer.encode(c.text, null, { addSpecialTokens: true })).getIds());
  const ids = Array.from((await tokenizer.encode(c.text, null, { addSpecialTokens: false })).getIds());
  const golden = {
    text: c.text,
    ids,
    idsWithSpecial: withSpecial,
    decoded: await tokenizer.decode(withSpecial, false),
    decodedSkipSpecial: await tokenizer.decode(withSpecial, true),
  };
  cases.push(golden);
  if (!same(ids, c.ids) || !same(withSpecial, c.idsWithSpecial) || golden.decoded !== c.decoded
      || golden.decodedSkipSpecial !== c.decodedSkipSpecial) {
    differs.push(c.text);
  }
}

const out = {
  fixture: "llama-2-gguf",
  source: "weights-gguf's fixtures/llama-2-tiny-random.gguf (tokenizer.ggml.*), converted as transformers' GGUFLlamaConverter + LlamaTokenizerFast",
  golden: "rust (@anush008/tokenizers 0.6.0, tokenizers 0.22.2)",
  texts: "those of llama-2.json",
  differsFromLlama2: differs,
  cases,
};
const lines = [
  "{",
  ...Object.entries(out).filter(([k]) => k !== "cases").map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`),
  '  "cases": [',
  cases.map((c) => "    " + JSON.stringify(c)).join(",\n"),
  "  ]",
  "}",
];
fs.writeFileSync(path.join(resources, "goldens/llama-2-gguf.json"), lines.join("\n") + "\n");
console.log(`llama-2-gguf: ${cases.length} texts, ${differs.length} differ from llama-2.json`);
