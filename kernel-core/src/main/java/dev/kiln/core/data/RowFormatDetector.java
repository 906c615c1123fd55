package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.data.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Picks each row's format by its fields, as ms-swift's automatic preprocessor does: the formats
 * must tell rows apart, so exactly one may match a row.
 */
final class RowFormatDetector {

    private final List<RowFormat> formats;

    RowFormatDetector(List<RowFormat> formats) {
        this.formats = List.copyOf(formats);
    }

    /** The format of {@code row}. */
    RowFormat formatOf(Row row) throws DatasetException {
        List<RowFormat> matching = new ArrayList<>(1);
        for (RowFormat format : formats) {
            if (format.matches(row)) {
                matching.add(format);
            }
        }
        if (matching.size() == 1) {
            return matching.getFirst();
        }
        TreeSet<String> fields = new TreeSet<>();
        row.fields().forEach((k, v) -> {
            if (v != null) {
                fields.add(k);
            }
        });
        if (matching.isEmpty()) {
            throw new DatasetException(row.origin(), "no row format recognises the fields " + fields
                    + " (tried " + (formats.isEmpty() ? "none: no row format is installed"
                            : String.join(", ", formats.stream().map(RowFormat::name).toList())) + ")");
        }
        throw new DatasetException(row.origin(), "the fields " + fields + " fit several row formats: "
                + String.join(", ", matching.stream().map(RowFormat::name).toList()));
    }

    Sample convert(Row row, RowFormat format) throws DatasetException {
        return format.convert(row);
    }
}
