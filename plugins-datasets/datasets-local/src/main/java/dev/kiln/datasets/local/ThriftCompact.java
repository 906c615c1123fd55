package dev.kiln.datasets.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader of Thrift's compact protocol, generic: a struct becomes a map from field id to value
 * (Long for every integer type, Boolean, Double, byte[] for binary, List, or a nested struct
 * map). Parquet's footer and page headers are such structs; {@link ParquetMetadata} gives their
 * fields names.
 */
final class ThriftCompact {

    private static final int STOP = 0;
    private static final int TRUE = 1;
    private static final int FALSE = 2;
    private static final int BYTE = 3;
    private static final int I16 = 4;
    private static final int I32 = 5;
    private static final int I64 = 6;
    private static final int DOUBLE = 7;
    private static final int BINARY = 8;
    private static final int LIST = 9;
    private static final int SET = 10;
    private static final int MAP = 11;
    private static final int STRUCT = 12;
    private static final int MAX_DEPTH = 64;

    private final ByteBuffer in;

    ThriftCompact(ByteBuffer in) {
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Bytes consumed so far. */
    int position() {
        return in.position();
    }

    /** One struct from the current position. */
    Map<Integer, Object> readStruct() throws IOException {
        return readStruct(0);
    }

    private Map<Integer, Object> readStruct(int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException("Thrift structure nested too deeply");
        }
        Map<Integer, Object> fields = new HashMap<>();
        int lastId = 0;
        while (true) {
            int header = readByte();
            if (header == STOP) {
                return fields;
            }
            int type = header & 0x0F;
            int delta = (header >>> 4) & 0x0F;
            int id = delta == 0 ? (int) zigzag(readVarint()) : lastId + delta;
            lastId = id;
            Object value = type == TRUE ? Boolean.TRUE : type == FALSE ? Boolean.FALSE : readValue(type, depth);
            fields.put(id, value);
        }
    }

    private Object readValue(int type, int depth) throws IOException {
        return switch (type) {
            case BYTE -> (long) (byte) readByte();
            case I16, I32, I64 -> zigzag(readVarint());
            case DOUBLE -> {
                need(8);
                yield in.getDouble();
            }
            case BINARY -> {
                long length = readVarint();
                if (length < 0 || length > in.remaining()) {
                    throw new IOException("Thrift binary of " + length + " bytes runs past the data");
                }
                byte[] bytes = new byte[(int) length];
                in.get(bytes);
                yield bytes;
            }
            case LIST, SET -> readList(depth);
            case MAP -> readMap(depth);
            case STRUCT -> readStruct(depth + 1);
            default -> throw new IOException("unknown Thrift compact type " + type);
        };
    }

    private List<Object> readList(int depth) throws IOException {
        int header = readByte();
        long size = (header >>> 4) & 0x0F;
        if (size == 15) {
            size = readVarint();
        }
        if (size < 0 || size > in.remaining()) {
            throw new IOException("Thrift list of " + size + " elements runs past the data");
        }
        int elementType = header & 0x0F;
        List<Object> list = new ArrayList<>((int) size);
        for (long i = 0; i < size; i++) {
            if (elementType == TRUE || elementType == FALSE) {
                list.add(readByte() == TRUE);
            } else {
                list.add(readValue(elementType, depth + 1));
            }
        }
        return list;
    }

    private Map<Object, Object> readMap(int depth) throws IOException {
        long size = readVarint();
        Map<Object, Object> map = new HashMap<>();
        if (size == 0) {
            return map;
        }
        int types = readByte();
        for (long i = 0; i < size; i++) {
            Object key = readValue((types >>> 4) & 0x0F, depth + 1);
            map.put(key, readValue(types & 0x0F, depth + 1));
        }
        return map;
    }

    private int readByte() throws IOException {
        need(1);
        return in.get() & 0xFF;
    }

    private long readVarint() throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("Thrift varint longer than 10 bytes");
    }

    private static long zigzag(long n) {
        return (n >>> 1) ^ -(n & 1);
    }

    private void need(int n) throws IOException {
        if (in.remaining() < n) {
            throw new TruncatedException();
        }
    }

    /** The structure goes on past the bytes given: read more and try again. */
    static final class TruncatedException extends IOException {
        private static final long serialVersionUID = 1L;

        TruncatedException() {
            super("Thrift structure truncated");
        }
    }
}
