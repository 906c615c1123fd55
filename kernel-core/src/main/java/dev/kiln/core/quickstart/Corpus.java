package dev.kiln.core.quickstart;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The text the quickstart learns from, shipped in this bundle: Books One and Two of War and
 * Peace (Tolstoy, in Louise and Aylmer Maude's translation), public domain, from Project
 * Gutenberg's eBook #2600 with Gutenberg's header and license removed (provenance in
 * war-and-peace.README.md beside it).
 */
final class Corpus {

    static final String RESOURCE = "war-and-peace.txt";
    static final String DESCRIPTION = "War and Peace, Books One and Two (public domain)";

    private Corpus() {}

    /**
     * Writes the corpus to {@code file} one paragraph per line, as {@code kiln pt} takes a text
     * file (a row per line, each ended by the end-of-text token), so that the model learns
     * paragraphs rather than the book's 70-column lines; paragraphs from the start up to
     * {@code maxBytes} (0: all of them).
     *
     * @return the bytes written
     * @throws IOException naming the file, or saying the bundle lacks the text
     */
    static long write(Path file, long maxBytes) throws IOException {
        String text;
        try (InputStream in = Corpus.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the kernel bundle lacks its quickstart corpus " + RESOURCE);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder out = new StringBuilder();
        for (String paragraph : text.split("\n\\s*\n")) {
            String line = paragraph.strip().replaceAll("\\s*\n\\s*", " ");
            if (line.isEmpty()) {
                continue;
            }
            if (maxBytes > 0 && out.length() + line.length() + 1 > maxBytes) {
                break;
            }
            out.append(line).append('\n');
        }
        byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
        Files.write(file, bytes);
        return bytes.length;
    }

    /** For messages: "505 KB". */
    static String size(long bytes) {
        return String.format(Locale.ROOT, "%,d KB", (bytes + 512) / 1024);
    }
}
