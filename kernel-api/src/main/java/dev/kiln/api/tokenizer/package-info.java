/**
 * Tokenizers: text to token ids and back. A {@link dev.kiln.api.tokenizer.TokenizerFactory}
 * service recognises a tokenizer's files (tokenizer.json, vocab.json + merges.txt, a GGUF
 * vocabulary) and loads them; a {@link dev.kiln.api.tokenizer.TokenizerTrainer} service learns a
 * new tokenizer from text and writes such files.
 */
@Export
@Version("1.0.0")
package dev.kiln.api.tokenizer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
