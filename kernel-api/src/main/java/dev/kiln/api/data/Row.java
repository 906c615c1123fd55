package dev.kiln.api.data;

import java.util.Map;
import java.util.Objects;

/**
 * One raw record of a dataset, its fields as parsed from JSON, CSV or Parquet (values are
 * {@code String}, {@code Number}, {@code Boolean}, {@code List}, {@code Map} or null), and where it
 * came from for error messages ({@code data/train.jsonl:17}).
 */
public final class Row {

    private final Map<String, Object> fields;
    private final String origin;

    public Row(Map<String, Object> fields, String origin) {
        this.fields = Objects.requireNonNull(fields);
        this.origin = Objects.requireNonNull(origin);
    }

    public Map<String, Object> fields() { return fields; }

    /** File and line (or row number) this row was read from. */
    public String origin() { return origin; }

    public boolean has(String field) {
        return fields.get(field) != null;
    }

    @Override
    public String toString() {
        return origin + " " + fields;
    }
}
