package dev.kiln.datasets.local;

import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.osgi.service.component.annotations.Component;

/**
 * Parquet files ({@code .parquet}) holding a flat table: columns of BOOLEAN, INT32, INT64, FLOAT,
 * DOUBLE or BYTE_ARRAY (read as UTF-8 text), required or optional, PLAIN or dictionary encoded,
 * uncompressed or SNAPPY/GZIP. Rows are assembled one at a time from a cursor per column, so only
 * one page per column is in memory. Nested columns (lists, structs) are refused by name.
 */
@Component(service = DatasetSource.class)
public final class ParquetSource extends FileSource {

    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    public ParquetSource() {
        super("parquet", ".parquet");
    }

    @Override
    RowReader open(Path file, String display) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new ParquetRowReader(channel, display, footer(channel, display));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static ParquetMetadata footer(FileChannel channel, String display) throws IOException {
        long size = channel.size();
        if (size < 12) {
            throw new IOException(display + ": not a Parquet file (" + size + " bytes)");
        }
        ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(tail, size - 8);
        byte[] magic = new byte[4];
        tail.position(4);
        tail.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException(display + ": not a Parquet file (no PAR1 at its end)");
        }
        long length = Integer.toUnsignedLong(tail.getInt(0));
        if (length > size - 12) {
            throw new IOException(display + ": the Parquet footer length " + length + " exceeds the file");
        }
        ByteBuffer footer = ByteBuffer.allocate((int) length);
        while (footer.hasRemaining()) {
            if (channel.read(footer, size - 8 - length + footer.position()) < 0) {
                throw new IOException(display + ": truncated Parquet footer");
            }
        }
        footer.flip();
        try {
            return ParquetMetadata.of(new ThriftCompact(footer).readStruct(), display);
        } catch (ThriftCompact.TruncatedException e) {
            throw new IOException(display + ": truncated Parquet footer", e);
        }
    }

    /** Rows across row groups, a column cursor per column. */
    private static final class ParquetRowReader implements RowReader {
        private final FileChannel channel;
        private final String display;
        private final ParquetMetadata metadata;
        private int group = -1;
        private long leftInGroup;
        private long row;
        private List<ColumnCursor> cursors = List.of();

        ParquetRowReader(FileChannel channel, String display, ParquetMetadata metadata) {
            this.channel = channel;
            this.display = display;
            this.metadata = metadata;
        }

        @Override
        public Optional<Row> next() throws IOException {
            while (leftInGroup == 0) {
                if (++group >= metadata.rowGroups.size()) {
                    return Optional.empty();
                }
                ParquetMetadata.RowGroup g = metadata.rowGroups.get(group);
                leftInGroup = g.rows();
                List<ColumnCursor> next = new ArrayList<>();
                for (int c = 0; c < metadata.columns.size(); c++) {
                    next.add(new ColumnCursor(channel, display, metadata.columns.get(c), g.chunks().get(c)));
                }
                cursors = next;
            }
            leftInGroup--;
            row++;
            Map<String, Object> fields = new LinkedHashMap<>();
            for (int c = 0; c < cursors.size(); c++) {
                fields.put(metadata.columns.get(c).name(), cursors.get(c).next());
            }
            return Optional.of(new Row(fields, display + ":row " + row));
        }

        @Override
        public OptionalLong size() {
            return OptionalLong.of(metadata.rows);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
