package dev.kiln.core.train;

import dev.kiln.core.json.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * {@code logging.jsonl} in the run directory: every logged entry (training logs, evaluations,
 * the final summary) as one JSON object per line, written as it happens, as ms-swift writes it.
 */
public final class TrainingLog implements TrainingListener, AutoCloseable {

    /** The file's name. */
    public static final String FILE = "logging.jsonl";

    private final Path file;
    private final BufferedWriter writer;

    public TrainingLog(Path runDirectory) throws IOException {
        this.file = runDirectory.resolve(FILE);
        this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public Path file() {
        return file;
    }

    @Override
    public void onLog(Map<String, Object> entry) {
        try {
            writer.write(Json.write(entry));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
