package dev.kiln.datasets.local;

import java.io.IOException;

/** Decompresses raw Snappy blocks (Parquet's SNAPPY codec): a length, then literals and back-references. */
final class Snappy {

    private Snappy() {}

    static byte[] decompress(byte[] in, int offset, int length) throws IOException {
        int p = offset;
        int end = offset + length;
        long size = 0;
        for (int shift = 0; ; shift += 7) {
            if (p >= end || shift > 28) {
                throw new IOException("snappy: bad length header");
            }
            int b = in[p++] & 0xFF;
            size |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException("snappy: block of " + size + " bytes is too large");
        }
        byte[] out = new byte[(int) size];
        int o = 0;
        while (p < end) {
            int tag = in[p++] & 0xFF;
            int kind = tag & 3;
            if (kind == 0) {
                int len = tag >>> 2;
                if (len >= 60) {
                    int bytes = len - 59;
                    if (p + bytes > end) {
                        throw new IOException("snappy: truncated literal length");
                    }
                    len = 0;
                    for (int i = 0; i < bytes; i++) {
                        len |= (in[p++] & 0xFF) << (8 * i);
                    }
                }
                len += 1;
                if (len <= 0 || p + len > end || o + len > out.length) {
                    throw new IOException("snappy: literal runs past the block");
                }
                System.arraycopy(in, p, out, o, len);
                p += len;
                o += len;
                continue;
            }
            int len;
            int distance;
            if (kind == 1) {
                if (p >= end) {
                    throw new IOException("snappy: truncated copy");
                }
                len = ((tag >>> 2) & 7) + 4;
                distance = ((tag >>> 5) << 8) | (in[p++] & 0xFF);
            } else {
                int bytes = kind == 2 ? 2 : 4;
                if (p + bytes > end) {
                    throw new IOException("snappy: truncated copy");
                }
                len = (tag >>> 2) + 1;
                distance = 0;
                for (int i = 0; i < bytes; i++) {
                    distance |= (in[p++] & 0xFF) << (8 * i);
                }
            }
            if (distance <= 0 || distance > o || o + len > out.length) {
                throw new IOException("snappy: copy outside the block");
            }
            // Byte by byte: a copy may overlap what it writes (a run).
            for (int i = 0; i < len; i++) {
                out[o] = out[o - distance];
                o++;
            }
        }
        if (o != out.length) {
            throw new IOException("snappy: block holds " + o + " bytes, its header says " + out.length);
        }
        return out;
    }
}
