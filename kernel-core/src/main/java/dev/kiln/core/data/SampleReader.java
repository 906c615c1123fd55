package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.data.RowReader;
import dev.kiln.api.data.Sample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rows of one reader as samples: placeholders substituted, format detected per row. Under
 * {@code strict} a malformed row stops reading; otherwise it is skipped and counted, and the
 * first few messages kept.
 */
final class SampleReader {

    private static final int MESSAGES_KEPT = 20;

    private final RowReader reader;
    private final RowFormatDetector detector;
    private final boolean strict;
    private final Placeholders placeholders;
    private final Map<String, Long> formatCounts = new LinkedHashMap<>();
    private final List<String> skippedMessages = new ArrayList<>();
    private long rowsRead;
    private long skipped;

    SampleReader(RowReader reader, RowFormatDetector detector, boolean strict, Placeholders placeholders) {
        this.reader = reader;
        this.detector = detector;
        this.strict = strict;
        this.placeholders = placeholders;
    }

    Optional<Sample> next() throws IOException, DatasetException {
        while (true) {
            try {
                Optional<Row> row = reader.next();
                if (row.isEmpty()) {
                    return Optional.empty();
                }
                rowsRead++;
                Row substituted = placeholders.apply(row.get());
                RowFormat format = detector.formatOf(substituted);
                Sample sample = detector.convert(substituted, format);
                formatCounts.merge(format.name(), 1L, Long::sum);
                return Optional.of(sample);
            } catch (DatasetException e) {
                if (strict) {
                    throw e;
                }
                skipped++;
                if (skippedMessages.size() < MESSAGES_KEPT) {
                    skippedMessages.add(e.getMessage());
                }
            }
        }
    }

    long rowsRead() { return rowsRead; }
    long skipped() { return skipped; }
    Map<String, Long> formatCounts() { return formatCounts; }
    List<String> skippedMessages() { return skippedMessages; }
}
