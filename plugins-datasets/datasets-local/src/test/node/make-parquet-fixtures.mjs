#!/usr/bin/env node
// Writes the Parquet fixtures of datasets-local (src/test/resources/parquet) and the rows they
// hold (rows.json), so the Java reader is checked against files an independent writer made: the
// Rust `parquet` crate (arrow-rs), compiled to WebAssembly as the npm package parquet-wasm, fed
// Apache Arrow tables built with the apache-arrow package.
//
// pyarrow is not available on the project's machines (no PyPI), so this replaces the usual
// pyarrow script; arrow-rs is the Parquet implementation of DataFusion, Polars and delta-rs.
//
// Usage:
//   D=$(mktemp -d) && cp package.json package-lock.json "$D" && (cd "$D" && npm ci)
//   node make-parquet-fixtures.mjs --deps "$D"

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, "../resources/parquet");
const deps = path.resolve(process.argv[process.argv.indexOf("--deps") + 1]);
const require = createRequire(path.join(deps, "package.json"));
const arrow = require("apache-arrow");
const pq = require("parquet-wasm/node");

// Rows: text with nulls, unicode and a long value; ints in and out of the INT32 range; doubles;
// booleans; low-cardinality text for the dictionary. 23 rows, so row groups of 5 leave a short one.
const N = 23;
const rows = [];
for (let i = 0; i < N; i++) {
  rows.push({
    query: i % 7 === 3 ? null : `question ${i}: ${Array.from("中文🚀").slice(0, i % 4).join("")} ${i % 5 === 0 ? "x".repeat(300) : ""}`,
    response: `answer ${i % 3}`,
    n: i % 6 === 5 ? null : i * 1000 - 7000,
    big: BigInt(i) * 3000000000n - 5n,
    score: i / 8 - 1.25,
    ok: i % 4 === 1 ? null : i % 3 === 0,
  });
}

const table = new arrow.Table({
  query: arrow.vectorFromArray(rows.map((r) => r.query), new arrow.Utf8()),
  response: arrow.vectorFromArray(rows.map((r) => r.response), new arrow.Utf8()),
  n: arrow.vectorFromArray(rows.map((r) => r.n), new arrow.Int32()),
  big: arrow.vectorFromArray(rows.map((r) => r.big), new arrow.Int64()),
  score: arrow.vectorFromArray(rows.map((r) => r.score), new arrow.Float64()),
  ok: arrow.vectorFromArray(rows.map((r) => r.ok), new arrow.Bool()),
});

function write(name, configure) {
  const builder = configure(new pq.WriterPropertiesBuilder());
  const wasmTable = pq.Table.fromIPCStream(arrow.tableToIPC(table, "stream"));
  fs.writeFileSync(path.join(out, name), pq.writeParquet(wasmTable, builder.build()));
}

write("plain-uncompressed.parquet", (b) => b.setCompression(pq.Compression.UNCOMPRESSED)
  .setDictionaryEnabled(false).setWriterVersion(pq.WriterVersion.V1));
write("dictionary-snappy.parquet", (b) => b.setCompression(pq.Compression.SNAPPY)
  .setDictionaryEnabled(true).setWriterVersion(pq.WriterVersion.V1).setMaxRowGroupSize(5));
// A small dictionary limit: the writer falls back to PLAIN pages after the dictionary fills.
write("dictionary-fallback.parquet", (b) => b.setCompression(pq.Compression.SNAPPY)
  .setDictionaryEnabled(true).setWriterVersion(pq.WriterVersion.V1).setDictionaryPageSizeLimit(64)
  .setDataPageSizeLimit(64).setWriteBatchSize(2));
write("dictionary-snappy-v2.parquet", (b) => b.setCompression(pq.Compression.SNAPPY)
  .setDictionaryEnabled(true).setWriterVersion(pq.WriterVersion.V2).setMaxRowGroupSize(10)
  .setDataPageSizeLimit(64).setWriteBatchSize(4));
write("gzip.parquet", (b) => b.setCompression(pq.Compression.GZIP).setDictionaryEnabled(false)
  .setWriterVersion(pq.WriterVersion.V1));

// A nested column (list<string>), which the reader refuses by name.
const nested = new arrow.Table({
  messages: arrow.vectorFromArray([["a", "b"], ["c"]], new arrow.List(new arrow.Field("item", new arrow.Utf8(), true))),
});
fs.writeFileSync(path.join(out, "nested.parquet"),
  pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(nested, "stream")), new pq.WriterPropertiesBuilder().build()));

fs.writeFileSync(path.join(out, "rows.json"), JSON.stringify(rows.map((r) => ({ ...r, big: r.big.toString() })), null, 1) + "\n");
console.log(`wrote ${fs.readdirSync(out).length} files to ${out}`);
