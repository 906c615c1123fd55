package dev.kiln.datasets.local;

import java.io.IOException;

/**
 * Parquet's RLE / bit-packing hybrid (levels and dictionary indices): runs of one repeated
 * value, and groups of 8 values bit-packed least significant bit first.
 */
final class RleHybrid {

    private RleHybrid() {}

    /**
     * Decodes {@code count} values of {@code bitWidth} bits from {@code data[offset, end)}.
     *
     * @throws IOException when the data ends first
     */
    static int[] decode(byte[] data, int offset, int end, int bitWidth, int count) throws IOException {
        int[] out = new int[count];
        if (bitWidth == 0) {
            return out;
        }
        if (bitWidth > 32) {
            throw new IOException("bit width " + bitWidth + " is over 32");
        }
        int p = offset;
        int n = 0;
        int valueBytes = (bitWidth + 7) / 8;
        while (n < count) {
            long header = 0;
            for (int shift = 0; ; shift += 7) {
                if (p >= end || shift > 35) {
                    throw new IOException("RLE/bit-packed data ends after " + n + " of " + count + " values");
                }
                int b = data[p++] & 0xFF;
                header |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if ((header & 1) == 0) {
                long run = header >>> 1;
                if (p + valueBytes > end) {
                    throw new IOException("RLE run value runs past the data");
                }
                int value = 0;
                for (int i = 0; i < valueBytes; i++) {
                    value |= (data[p++] & 0xFF) << (8 * i);
                }
                for (long i = 0; i < run && n < count; i++) {
                    out[n++] = value;
                }
            } else {
                long values = (header >>> 1) * 8;
                long bytes = (header >>> 1) * bitWidth;
                if (p + bytes > end) {
                    // The last group may be cut short in a page's final run.
                    bytes = end - p;
                }
                long bit = (long) p * 8;
                long limitBit = (p + bytes) * 8;
                for (long i = 0; i < values && n < count; i++) {
                    if (bit + bitWidth > limitBit) {
                        throw new IOException("bit-packed run ends after " + n + " of " + count + " values");
                    }
                    long v = 0;
                    for (int b = 0; b < bitWidth; b++) {
                        long at = bit + b;
                        v |= (long) ((data[(int) (at >>> 3)] >>> (at & 7)) & 1) << b;
                    }
                    out[n++] = (int) v;
                    bit += bitWidth;
                }
                p += (int) bytes;
            }
        }
        return out;
    }

    /** Bits needed for values up to {@code max}. */
    static int bitWidth(int max) {
        return 32 - Integer.numberOfLeadingZeros(max);
    }
}
