package dev.kiln.datasets.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parts of a Parquet footer a flat-table reader needs, named from the Thrift field ids of
 * {@code parquet.thrift}: the columns (top-level primitive fields, required or optional) and,
 * per row group, each column chunk's codec and where its pages are.
 */
final class ParquetMetadata {

    static final int BOOLEAN = 0;
    static final int INT32 = 1;
    static final int INT64 = 2;
    static final int INT96 = 3;
    static final int FLOAT = 4;
    static final int DOUBLE = 5;
    static final int BYTE_ARRAY = 6;
    static final int FIXED_LEN_BYTE_ARRAY = 7;

    static final List<String> TYPE_NAMES = List.of("BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE",
            "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY");
    static final List<String> CODEC_NAMES = List.of("UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4",
            "ZSTD", "LZ4_RAW");

    private static final int REPEATED = 2;

    /** A top-level column. */
    record Column(String name, int type, boolean optional) {}

    /** One column's pages in one row group. */
    record Chunk(int codec, long start, long length, long values) {}

    record RowGroup(long rows, List<Chunk> chunks) {}

    final List<Column> columns;
    final List<RowGroup> rowGroups;
    final long rows;

    private ParquetMetadata(List<Column> columns, List<RowGroup> rowGroups, long rows) {
        this.columns = columns;
        this.rowGroups = rowGroups;
        this.rows = rows;
    }

    /** Reads the footer struct; refuses nested and repeated columns, naming them. */
    static ParquetMetadata of(Map<Integer, Object> footer, String display) throws IOException {
        List<Map<Integer, Object>> schema = structs(footer.get(2), display, "schema");
        if (schema.isEmpty()) {
            throw new IOException(display + ": the Parquet footer has no schema");
        }
        int children = (int) number(schema.getFirst().get(5), 0);
        List<Column> columns = new ArrayList<>();
        for (int i = 1; i < schema.size(); i++) {
            Map<Integer, Object> element = schema.get(i);
            String name = string(element.get(4));
            if (element.get(5) != null || element.get(1) == null) {
                throw new IOException(display + ": column '" + name + "' is nested (a group such as a list or"
                        + " struct); this reader takes flat tables only: write the dataset as JSON Lines");
            }
            int repetition = (int) number(element.get(3), 0);
            if (repetition == REPEATED) {
                throw new IOException(display + ": column '" + name + "' is repeated; this reader takes flat"
                        + " tables only: write the dataset as JSON Lines");
            }
            columns.add(new Column(name, (int) number(element.get(1), -1), repetition == 1));
        }
        if (columns.size() != children) {
            throw new IOException(display + ": the schema root has " + children + " children but "
                    + columns.size() + " columns follow");
        }
        List<RowGroup> groups = new ArrayList<>();
        for (Map<Integer, Object> group : structs(footer.get(4), display, "row_groups")) {
            List<Chunk> chunks = new ArrayList<>();
            for (Map<Integer, Object> chunk : structs(group.get(1), display, "columns")) {
                if (chunk.get(1) != null) {
                    throw new IOException(display + ": a column chunk lives in another file ("
                            + string(chunk.get(1)) + "); not supported");
                }
                @SuppressWarnings("unchecked")
                Map<Integer, Object> meta = (Map<Integer, Object>) chunk.get(3);
                if (meta == null) {
                    throw new IOException(display + ": a column chunk has no metadata");
                }
                long data = number(meta.get(9), -1);
                long dictionary = number(meta.get(11), -1);
                long start = dictionary > 0 && dictionary < data ? dictionary : data;
                chunks.add(new Chunk((int) number(meta.get(4), 0), start, number(meta.get(7), 0),
                        number(meta.get(5), 0)));
            }
            if (chunks.size() != columns.size()) {
                throw new IOException(display + ": a row group has " + chunks.size() + " column chunks for "
                        + columns.size() + " columns");
            }
            groups.add(new RowGroup(number(group.get(3), 0), chunks));
        }
        return new ParquetMetadata(List.copyOf(columns), List.copyOf(groups), number(footer.get(3), 0));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<Integer, Object>> structs(Object value, String display, String field) throws IOException {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IOException(display + ": Parquet footer field " + field + " is not a list");
        }
        return (List<Map<Integer, Object>>) list;
    }

    static long number(Object value, long fallback) {
        return value instanceof Long l ? l : fallback;
    }

    static String string(Object value) {
        return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value);
    }
}
