package dev.kiln.models.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One {@code .safetensors} file, memory-mapped whole into an arena the caller owns, with its
 * header parsed and checked. Layout: an 8-byte little-endian header length N, N bytes of JSON
 * header, then the data section that the header's {@code data_offsets} index.
 */
final class SafetensorsFile {

    /** The largest header accepted; real ones are kilobytes, a bigger one is a corrupt length. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ValueLayout.OfLong LENGTH =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment data;
    private final SafetensorsHeader header;

    private SafetensorsFile(Path path, MemorySegment data, SafetensorsHeader header) {
        this.path = path;
        this.data = data;
        this.header = header;
    }

    /** Maps {@code path} into {@code arena} and checks its header; the mapping lives as long as it. */
    static SafetensorsFile open(Path path, Arena arena) throws IOException {
        MemorySegment file;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < Long.BYTES) {
                throw new IOException(path + ": " + size
                        + " bytes is too short for a safetensors file (8-byte header length)");
            }
            // Mapping costs no memory up front; pages are read as tensors are touched.
            file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
        long headerLength = file.get(LENGTH, 0);
        long available = file.byteSize() - Long.BYTES;
        // Check the length before reading a byte of header: a corrupt one must not size a buffer.
        if (headerLength < 0 || headerLength > available) {
            throw new IOException(path + ": header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file (" + available + " bytes after the length)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new IOException(path + ": header length " + headerLength + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        byte[] json = file.asSlice(Long.BYTES, headerLength).toArray(ValueLayout.JAVA_BYTE);
        long dataStart = Long.BYTES + headerLength;
        MemorySegment data = file.asSlice(dataStart).asReadOnly();
        return new SafetensorsFile(path, data, SafetensorsHeader.parse(path, json, data.byteSize()));
    }

    Path path() {
        return path;
    }

    SafetensorsHeader header() {
        return header;
    }

    /** The bytes of {@code slice}, a tensor of this file's header. */
    MemorySegment bytes(Slice slice) {
        return data.asSlice(slice.begin(), slice.length());
    }
}
