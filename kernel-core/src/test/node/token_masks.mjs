#!/usr/bin/env node
// Tokenizes each job's text with the Rust tokenizers crate (@anush008/tokenizers, a Node binding
// of the crate behind transformers' fast tokenizers) and labels the tokens that overlap the job's
// character spans, as transformers' return_assistant_tokens_mask does: from char_to_token(start)
// through char_to_token(end - 1). Plain jobs are encoded with special tokens and labelled whole.
// Offsets of the binding count code points, as Python's string indices do.
//
// Usage: node token_masks.mjs --deps DIR jobs.json > cases.json   (called by make_label_goldens.py)

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const deps = process.argv[process.argv.indexOf("--deps") + 1];
const jobs = JSON.parse(fs.readFileSync(process.argv[process.argv.length - 1], "utf8"));
const rust = createRequire(path.join(path.resolve(deps), "package.json"))("@anush008/tokenizers");

const tokenizers = new Map();
const out = [];
for (const job of jobs) {
  if (!tokenizers.has(job.tokenizer_path)) {
    tokenizers.set(job.tokenizer_path, rust.Tokenizer.fromFile(job.tokenizer_path));
  }
  const t = tokenizers.get(job.tokenizer_path);
  const plain = job.mode === "plain";
  const encoding = await t.encode(job.text, null, { addSpecialTokens: plain });
  const ids = encoding.getIds();
  const labels = plain ? [...ids] : ids.map(() => -100);
  if (!plain) {
    for (const [start, end] of job.spans) {
      const first = encoding.charToToken(start);
      const last = encoding.charToToken(end - 1);
      if (first === null || last === null) throw new Error(`${job.name}: span ${start}-${end} has no token`);
      for (let i = first; i <= last; i++) labels[i] = ids[i];
    }
  }
  out.push({ ...job, ids: [...ids], labels });
}
process.stdout.write(JSON.stringify(out));
