package dev.kiln.models.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Component;

/**
 * Hugging Face tokenizers: a {@code tokenizer.json} (BPE: byte-level as GPT-2, Llama-3, Qwen2
 * and SmolLM have it, or SentencePiece-style with byte fallback as Llama-2, Mistral and Phi-3
 * have it), or the older {@code vocab.json} + {@code merges.txt} (GPT-2's {@code encoder.json} +
 * {@code vocab.bpe}) with their configs. The location is a model directory or one of those
 * files; in a directory, tokenizer.json wins, as transformers prefers the fast tokenizer.
 */
@Component(service = TokenizerFactory.class)
public final class HfTokenizerFactory implements TokenizerFactory {

    static final String TOKENIZER_JSON = "tokenizer.json";
    private static final String[][] VOCAB_LAYOUTS = {{"vocab.json", "merges.txt"}, {"encoder.json", "vocab.bpe"}};

    @Override
    public String name() {
        return "tokenizer.json";
    }

    @Override
    public boolean canLoad(Path location) {
        if (Files.isDirectory(location)) {
            if (Files.isRegularFile(location.resolve(TOKENIZER_JSON))) {
                return true;
            }
            for (String[] layout : VOCAB_LAYOUTS) {
                if (Files.isRegularFile(location.resolve(layout[0])) && Files.isRegularFile(location.resolve(layout[1]))) {
                    return true;
                }
            }
            return false;
        }
        if (!Files.isRegularFile(location) || location.getFileName() == null) {
            return false;
        }
        String name = location.getFileName().toString();
        if (name.endsWith(TOKENIZER_JSON)) {
            return true;
        }
        for (String[] layout : VOCAB_LAYOUTS) {
            if (name.equals(layout[0]) || name.equals(layout[1])) {
                Path dir = location.toAbsolutePath().getParent();
                return Files.isRegularFile(dir.resolve(layout[0])) && Files.isRegularFile(dir.resolve(layout[1]));
            }
        }
        return false;
    }

    @Override
    public Tokenizer load(Path location) throws IOException {
        if (Files.isDirectory(location)) {
            Path json = location.resolve(TOKENIZER_JSON);
            if (Files.isRegularFile(json)) {
                return loadJson(json);
            }
            for (String[] layout : VOCAB_LAYOUTS) {
                if (Files.isRegularFile(location.resolve(layout[0]))) {
                    return VocabMerges.read(location.resolve(layout[0]), location.resolve(layout[1]));
                }
            }
            throw new IOException(location + ": no " + TOKENIZER_JSON + ", vocab.json + merges.txt or "
                    + "encoder.json + vocab.bpe");
        }
        if (!Files.exists(location)) {
            throw new IOException(location + ": missing");
        }
        String name = location.getFileName().toString();
        for (String[] layout : VOCAB_LAYOUTS) {
            if (name.equals(layout[0]) || name.equals(layout[1])) {
                Path dir = location.toAbsolutePath().getParent();
                return VocabMerges.read(dir.resolve(layout[0]), dir.resolve(layout[1]));
            }
        }
        return loadJson(location);
    }

    private static Tokenizer loadJson(Path file) throws IOException {
        HfTokenizer tokenizer = TokenizerJson.read(file);
        SpecialTokenConfig config = SpecialTokenConfig.read(file.toAbsolutePath().getParent());
        tokenizer.specialTokens(config.resolve(tokenizer, tokenizer.model().unkToken()));
        return tokenizer;
    }
}
