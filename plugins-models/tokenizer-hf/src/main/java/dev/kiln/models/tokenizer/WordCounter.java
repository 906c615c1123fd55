package dev.kiln.models.tokenizer;

import dev.kiln.models.tokenizer.Splitting.Split;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the words a tokenizer's normalizer and pre-tokenizer make of training text, as the
 * tokenizers crate's {@code Tokenizer::train_from_files} feeds its trainer: each line of a file,
 * with its line break, is one sequence; added tokens are not looked for.
 */
final class WordCounter {

    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Map<String, Long> counts = new HashMap<>();

    /**
     * @param normalizer the tokenizer's normalizer, or null
     * @param preTokenizer the tokenizer's pre-tokenizer, or null
     */
    WordCounter(Normalizer normalizer, PreTokenizer preTokenizer) {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
    }

    /** Counts the words of one sequence. */
    void addSequence(String sequence) {
        String text = normalizer == null ? sequence : normalizer.normalize(sequence);
        List<Split> words = List.of(new Split(text, true));
        if (preTokenizer != null) {
            words = preTokenizer.preTokenize(words);
        }
        for (Split word : words) {
            if (!word.text().isEmpty()) {
                counts.merge(word.text(), 1L, Long::sum);
            }
        }
    }

    /** Counts the words of every line of {@code text}, each line ending after its {@code \n}. */
    void addLines(String text) {
        int start = 0;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
            addSequence(text.substring(start, i + 1));
            start = i + 1;
        }
        if (start < text.length()) {
            addSequence(text.substring(start));
        }
    }

    /**
     * Counts the words of every line of a UTF-8 file, read in pieces.
     *
     * @throws IOException naming the file when it is missing or not UTF-8
     */
    void addFile(Path file) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        StringBuilder line = new StringBuilder();
        char[] buffer = new char[1 << 16];
        try (Reader in = new InputStreamReader(Files.newInputStream(file), decoder)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        line.append(buffer, start, i + 1 - start);
                        addSequence(line.toString());
                        line.setLength(0);
                        start = i + 1;
                    }
                }
                line.append(buffer, start, n - start);
            }
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": missing", e);
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text (" + e.getMessage() + ")", e);
        }
        if (!line.isEmpty()) {
            addSequence(line.toString());
        }
    }

    /** Each distinct word and how often it occurred. */
    Map<String, Long> counts() {
        return counts;
    }
}
