package dev.kiln.core.data;

import java.util.Map;

/**
 * What loading one dataset gave, for the summary before training.
 *
 * @param spec the spec as the user wrote it
 * @param source the {@link dev.kiln.api.data.DatasetSource} that opened it ({@code jsonl}, ...)
 * @param rowsRead rows read from the source
 * @param rowsSkipped malformed rows skipped under {@code --strict false}
 * @param formats rows per row format ({@code messages: 480, alpaca: 20})
 * @param train rows that went to training (after {@code #N} and the split)
 * @param validation rows that went to validation
 */
public record DatasetReport(String spec, String source, long rowsRead, long rowsSkipped,
        Map<String, Long> formats, long train, long validation) {

    public DatasetReport {
        formats = Map.copyOf(formats);
    }

    @Override
    public String toString() {
        return spec + " (" + source + "): " + rowsRead + " rows " + formats
                + (rowsSkipped > 0 ? ", " + rowsSkipped + " malformed skipped" : "")
                + " -> " + train + " train, " + validation + " validation";
    }
}
