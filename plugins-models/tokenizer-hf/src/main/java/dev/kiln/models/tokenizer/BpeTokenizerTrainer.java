package dev.kiln.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerTrainer;
import dev.kiln.api.tokenizer.TokenizerTrainingOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.osgi.service.component.annotations.Component;

/**
 * Trains a byte-level BPE tokenizer as the tokenizers crate does with a {@code BpeTrainer}
 * (initial alphabet: the 256 byte characters, so any text encodes) and Llama 3's pre-tokenizer,
 * and writes it as tokenizer.json and tokenizer_config.json (see {@link ByteLevelBpeFiles}).
 * Every line of the files, with its line break, is one training sequence, as the crate's
 * {@code train_from_files} reads them.
 */
@Component(service = TokenizerTrainer.class)
public final class BpeTokenizerTrainer implements TokenizerTrainer {

    @Override
    public String name() {
        return "bpe";
    }

    @Override
    public Tokenizer train(List<Path> files, TokenizerTrainingOptions options, Path directory)
            throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no training files given");
        }
        if (options.specialTokens().stream().distinct().count() != options.specialTokens().size()) {
            throw new IllegalArgumentException("special tokens listed twice: " + options.specialTokens());
        }
        JsonNode preTokenizer = ByteLevelBpeFiles.preTokenizer();
        WordCounter words = new WordCounter(null, TokenizerJson.preTokenizer(preTokenizer));
        for (Path file : files) {
            words.addFile(file);
        }
        BpeTrainer.Result trained = new BpeTrainer(options.vocabSize(), options.minFrequency(),
                options.specialTokens(), byteAlphabet()).train(words.counts());
        ByteLevelBpeFiles.write(directory,
                ByteLevelBpeFiles.tokenizerJson(trained, options.specialTokens()),
                ByteLevelBpeFiles.tokenizerConfig(trained, options));
        return new HfTokenizerFactory().load(directory);
    }

    /** The characters of the 256 bytes in GPT-2's byte-to-unicode table. */
    static SortedSet<Integer> byteAlphabet() {
        SortedSet<Integer> alphabet = new TreeSet<>();
        for (int b = 0; b < 256; b++) {
            alphabet.add((int) ByteLevelAlphabet.charOf(b));
        }
        return alphabet;
    }
}
