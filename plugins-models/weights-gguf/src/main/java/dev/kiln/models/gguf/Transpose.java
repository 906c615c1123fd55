package dev.kiln.models.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Transposes a row-major matrix of 1, 2, 4 or 8-byte elements. */
final class Transpose {

    private Transpose() {
    }

    /** {@code src} of {@code rows x cols} elements into {@code dst} as {@code cols x rows}. */
    static void matrix(MemorySegment src, MemorySegment dst, long rows, long cols,
            long elementBytes) {
        if (src.byteSize() != rows * cols * elementBytes || dst.byteSize() != src.byteSize()) {
            throw new IllegalArgumentException(src.byteSize() + " bytes into " + dst.byteSize()
                    + " bytes are not " + rows + " x " + cols + " elements of " + elementBytes
                    + " bytes");
        }
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                long from = r * cols + c;
                long to = c * rows + r;
                switch ((int) elementBytes) {
                    case 1 -> dst.set(ValueLayout.JAVA_BYTE, to, src.get(ValueLayout.JAVA_BYTE, from));
                    case 2 -> dst.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, to,
                            src.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, from));
                    case 4 -> dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, to,
                            src.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, from));
                    case 8 -> dst.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, to,
                            src.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, from));
                    default -> throw new IllegalArgumentException(elementBytes
                            + "-byte elements");
                }
            }
        }
    }
}
