package dev.kiln.core.train.plot;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes an RGB image as a PNG file (8 bits per channel, no interlacing, filter type 0 on every
 * scanline), after the PNG specification: the signature, IHDR, one zlib-compressed IDAT, IEND,
 * each chunk with its CRC-32. Kiln draws its plots itself instead of through java.awt, so they
 * work on a headless JVM without fonts or native libraries.
 */
public final class PngEncoder {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private PngEncoder() {}

    /** Writes {@code raster} to {@code out}. */
    public static void write(Raster raster, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.write(SIGNATURE);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(header);
        h.writeInt(raster.width());
        h.writeInt(raster.height());
        h.writeByte(8); // bit depth
        h.writeByte(2); // colour type: RGB
        h.writeByte(0); // compression: deflate
        h.writeByte(0); // filter method 0
        h.writeByte(0); // no interlace
        chunk(data, "IHDR", header.toByteArray());
        chunk(data, "IDAT", compressedScanlines(raster));
        chunk(data, "IEND", new byte[0]);
        data.flush();
    }

    private static byte[] compressedScanlines(Raster raster) throws IOException {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (DeflaterOutputStream zlib = new DeflaterOutputStream(compressed)) {
            byte[] line = new byte[1 + 3 * raster.width()];
            for (int y = 0; y < raster.height(); y++) {
                line[0] = 0; // filter: none
                for (int x = 0; x < raster.width(); x++) {
                    int rgb = raster.get(x, y);
                    line[1 + 3 * x] = (byte) (rgb >>> 16);
                    line[2 + 3 * x] = (byte) (rgb >>> 8);
                    line[3 + 3 * x] = (byte) rgb;
                }
                zlib.write(line);
            }
        }
        return compressed.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] body) throws IOException {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(body);
        out.writeInt(body.length);
        out.write(name);
        out.write(body);
        out.writeInt((int) crc.getValue());
    }
}
