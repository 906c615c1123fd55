package dev.kiln.datasets.local;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The values of one column chunk, a page at a time: dictionary pages, data pages v1 and v2, with
 * PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY (and RLE for booleans) encodings, uncompressed or
 * compressed with SNAPPY or GZIP. Only the current page is held in memory.
 */
final class ColumnCursor {

    private static final int DATA_PAGE = 0;
    private static final int DICTIONARY_PAGE = 2;
    private static final int DATA_PAGE_V2 = 3;

    private static final int PLAIN = 0;
    private static final int PLAIN_DICTIONARY = 2;
    private static final int RLE = 3;
    private static final int RLE_DICTIONARY = 8;

    private static final int MAX_HEADER = 16 << 20;

    private final FileChannel channel;
    private final String where;
    private final ParquetMetadata.Column column;
    private final ParquetMetadata.Chunk chunk;
    private long position;
    private Object[] dictionary;
    private Object[] page = new Object[0];
    private int index;

    ColumnCursor(FileChannel channel, String display, ParquetMetadata.Column column, ParquetMetadata.Chunk chunk) {
        this.channel = channel;
        this.where = display + ": column '" + column.name() + "'";
        this.column = column;
        this.chunk = chunk;
        this.position = chunk.start();
    }

    /** The next value (null for a null). */
    Object next() throws IOException {
        while (index == page.length) {
            readPage();
        }
        return page[index++];
    }

    private void readPage() throws IOException {
        long end = chunk.start() + chunk.length();
        if (position >= end) {
            throw new IOException(where + ": the column chunk ends before its row group's rows");
        }
        Map<Integer, Object> header = null;
        int headerLength = 0;
        for (int window = 8192; header == null; window *= 2) {
            int size = (int) Math.min(window, end - position);
            ByteBuffer bytes = read(position, size);
            ThriftCompact thrift = new ThriftCompact(bytes);
            try {
                header = thrift.readStruct();
                headerLength = thrift.position();
            } catch (ThriftCompact.TruncatedException e) {
                if (size < window || window >= MAX_HEADER) {
                    throw new IOException(where + ": truncated page header at byte " + position, e);
                }
            } catch (IOException e) {
                throw new IOException(where + ": bad page header at byte " + position + ": " + e.getMessage(), e);
            }
        }
        int type = (int) ParquetMetadata.number(header.get(1), -1);
        int uncompressed = (int) ParquetMetadata.number(header.get(2), -1);
        int compressed = (int) ParquetMetadata.number(header.get(3), -1);
        if (compressed < 0 || uncompressed < 0 || position + headerLength + compressed > end) {
            throw new IOException(where + ": page at byte " + position + " runs past its column chunk");
        }
        long payloadAt = position + headerLength;
        position = payloadAt + compressed;
        switch (type) {
            case DICTIONARY_PAGE -> {
                Map<Integer, Object> h = struct(header.get(7), "dictionary_page_header");
                int count = (int) ParquetMetadata.number(h.get(1), 0);
                byte[] data = decompress(array(read(payloadAt, compressed)), 0, compressed, uncompressed);
                dictionary = new Object[count];
                plain(data, 0, data.length, count, dictionary, 0);
            }
            case DATA_PAGE -> {
                Map<Integer, Object> h = struct(header.get(5), "data_page_header");
                byte[] data = decompress(array(read(payloadAt, compressed)), 0, compressed, uncompressed);
                int count = (int) ParquetMetadata.number(h.get(1), 0);
                int encoding = (int) ParquetMetadata.number(h.get(2), 0);
                int p = 0;
                int[] defined = null;
                if (column.optional()) {
                    int length = (int) ByteBuffer.wrap(data, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                    defined = RleHybrid.decode(data, 4, 4 + length, 1, count);
                    p = 4 + length;
                }
                page = values(data, p, data.length, count, defined, encoding);
            }
            case DATA_PAGE_V2 -> {
                Map<Integer, Object> h = struct(header.get(8), "data_page_header_v2");
                int count = (int) ParquetMetadata.number(h.get(1), 0);
                int encoding = (int) ParquetMetadata.number(h.get(4), 0);
                int defLength = (int) ParquetMetadata.number(h.get(5), 0);
                int repLength = (int) ParquetMetadata.number(h.get(6), 0);
                boolean isCompressed = !Boolean.FALSE.equals(h.get(7));
                byte[] raw = array(read(payloadAt, compressed));
                int levels = repLength + defLength;
                int[] defined = column.optional() ? RleHybrid.decode(raw, repLength, levels, 1, count) : null;
                byte[] data = isCompressed ? decompress(raw, levels, compressed - levels, uncompressed - levels)
                        : java.util.Arrays.copyOfRange(raw, levels, raw.length);
                page = values(data, 0, data.length, count, defined, encoding);
            }
            default -> page = new Object[0]; // index pages and others carry no values
        }
        index = 0;
    }

    /** {@code count} slots, nulls where {@code defined} is 0, the rest decoded in order. */
    private Object[] values(byte[] data, int from, int to, int count, int[] defined, int encoding) throws IOException {
        int present = count;
        if (defined != null) {
            present = 0;
            for (int d : defined) {
                present += d;
            }
        }
        Object[] decoded = new Object[present];
        switch (encoding) {
            case PLAIN -> plain(data, from, to, present, decoded, 0);
            case PLAIN_DICTIONARY, RLE_DICTIONARY -> {
                if (dictionary == null) {
                    throw new IOException(where + ": dictionary-encoded page without a dictionary page");
                }
                if (present > 0) {
                    if (from >= to) {
                        throw new IOException(where + ": dictionary indices missing");
                    }
                    int[] indices = RleHybrid.decode(data, from + 1, to, data[from] & 0xFF, present);
                    for (int i = 0; i < present; i++) {
                        if (indices[i] < 0 || indices[i] >= dictionary.length) {
                            throw new IOException(where + ": dictionary index " + indices[i] + " out of "
                                    + dictionary.length);
                        }
                        decoded[i] = dictionary[indices[i]];
                    }
                }
            }
            case RLE -> {
                if (column.type() != ParquetMetadata.BOOLEAN) {
                    throw new IOException(where + ": RLE encoding of a " + typeName() + " column is not supported");
                }
                int length = ByteBuffer.wrap(data, from, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                int[] bits = RleHybrid.decode(data, from + 4, from + 4 + length, 1, present);
                for (int i = 0; i < present; i++) {
                    decoded[i] = bits[i] != 0;
                }
            }
            default -> throw new IOException(where + ": encoding " + encoding
                    + " is not supported (PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY and RLE are)");
        }
        if (defined == null) {
            return decoded;
        }
        Object[] out = new Object[count];
        for (int i = 0, v = 0; i < count; i++) {
            out[i] = defined[i] != 0 ? decoded[v++] : null;
        }
        return out;
    }

    private void plain(byte[] data, int from, int to, int count, Object[] out, int at) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(data, from, to - from).order(ByteOrder.LITTLE_ENDIAN);
        try {
            switch (column.type()) {
                case ParquetMetadata.BOOLEAN -> {
                    for (int i = 0; i < count; i++) {
                        out[at + i] = ((data[from + i / 8] >>> (i % 8)) & 1) != 0;
                    }
                }
                case ParquetMetadata.INT32 -> {
                    for (int i = 0; i < count; i++) {
                        out[at + i] = (long) in.getInt();
                    }
                }
                case ParquetMetadata.INT64 -> {
                    for (int i = 0; i < count; i++) {
                        out[at + i] = in.getLong();
                    }
                }
                case ParquetMetadata.FLOAT -> {
                    for (int i = 0; i < count; i++) {
                        out[at + i] = (double) in.getFloat();
                    }
                }
                case ParquetMetadata.DOUBLE -> {
                    for (int i = 0; i < count; i++) {
                        out[at + i] = in.getDouble();
                    }
                }
                case ParquetMetadata.BYTE_ARRAY -> {
                    for (int i = 0; i < count; i++) {
                        int length = in.getInt();
                        if (length < 0 || length > in.remaining()) {
                            throw new IOException(where + ": a value of " + length + " bytes runs past its page");
                        }
                        out[at + i] = new String(data, in.position(), length, StandardCharsets.UTF_8);
                        in.position(in.position() + length);
                    }
                }
                default -> throw new IOException(where + ": type " + typeName() + " is not supported"
                        + " (BOOLEAN, INT32, INT64, FLOAT, DOUBLE and BYTE_ARRAY are)");
            }
        } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            throw new IOException(where + ": a page holds fewer values than its header says", e);
        }
    }

    private byte[] decompress(byte[] data, int offset, int length, int uncompressed) throws IOException {
        byte[] out = switch (chunk.codec()) {
            case 0 -> java.util.Arrays.copyOfRange(data, offset, offset + length);
            case 1 -> Snappy.decompress(data, offset, length);
            case 2 -> {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data, offset, length))) {
                    yield in.readAllBytes();
                }
            }
            default -> throw new IOException(where + ": compression "
                    + (chunk.codec() < ParquetMetadata.CODEC_NAMES.size() ? ParquetMetadata.CODEC_NAMES.get(chunk.codec())
                            : String.valueOf(chunk.codec()))
                    + " is not supported (UNCOMPRESSED, SNAPPY and GZIP are)");
        };
        if (out.length != uncompressed) {
            throw new IOException(where + ": a page decompresses to " + out.length + " bytes, its header says "
                    + uncompressed);
        }
        return out;
    }

    private String typeName() {
        return column.type() >= 0 && column.type() < ParquetMetadata.TYPE_NAMES.size()
                ? ParquetMetadata.TYPE_NAMES.get(column.type()) : String.valueOf(column.type());
    }

    @SuppressWarnings("unchecked")
    private Map<Integer, Object> struct(Object value, String name) throws IOException {
        if (!(value instanceof Map<?, ?>)) {
            throw new IOException(where + ": a page header has no " + name);
        }
        return (Map<Integer, Object>) value;
    }

    private ByteBuffer read(long at, int size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, at + buffer.position()) < 0) {
                throw new IOException(where + ": the file ends inside a page");
            }
        }
        return buffer.flip();
    }

    private static byte[] array(ByteBuffer buffer) {
        return buffer.array();
    }
}
