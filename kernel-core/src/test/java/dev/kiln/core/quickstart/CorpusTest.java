package dev.kiln.core.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped corpus, written one paragraph per line. */
class CorpusTest {

    @TempDir
    Path dir;

    private static String shipped() throws IOException {
        try (InputStream in = Corpus.class.getResourceAsStream(Corpus.RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyParagraphBecomesOneLineWithItsWordsIntact() throws IOException {
        Path file = dir.resolve("corpus.txt");
        long bytes = Corpus.write(file, 0);
        assertEquals(Files.size(file), bytes);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String text = shipped();
        assertEquals(text.split("\n\\s*\n").length, lines.size(), "one line per paragraph");
        assertEquals("CHAPTER I", lines.getFirst());
        assertTrue(lines.get(1).startsWith("\"Well, Prince, so Genoa and Lucca are now just family estates"
                + " of the Buonapartes. But I warn you, if you don't tell me that this means war, if you"),
                "a paragraph's lines joined by a space: " + lines.get(1));
        assertEquals(List.of(text.strip().split("\\s+")), List.of(String.join(" ", lines).split("\\s+")),
                "the same words in the same order");
        assertTrue(lines.stream().noneMatch(l -> l.isBlank() || l.startsWith(" ") || l.endsWith(" ")));
        assertTrue(lines.size() > 2000, lines.size() + " paragraphs");
    }

    @Test
    void aBudgetKeepsTheFirstWholeParagraphs() throws IOException {
        Path all = dir.resolve("all.txt");
        Path part = dir.resolve("part.txt");
        Corpus.write(all, 0);
        long bytes = Corpus.write(part, 10_000);
        assertTrue(bytes <= 10_000 && bytes > 9_000, bytes + " bytes");
        String whole = Files.readString(all);
        String cut = Files.readString(part);
        assertTrue(whole.startsWith(cut) && cut.endsWith("\n"), "a prefix of whole lines");
    }

    @Test
    void sizesReadAsKilobytes() {
        assertEquals("493 KB", Corpus.size(504_875));
        assertEquals("1,024 KB", Corpus.size(1 << 20));
    }
}
