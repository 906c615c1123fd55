package dev.kiln.models.gguf;

import java.nio.ByteBuffer;

/**
 * ggml's reference quantizers (quantize_row_q8_0_ref, quantize_row_q4_0_ref), for tests to build
 * quantized tensors from known floats. Float arithmetic throughout, as in ggml.
 */
final class GgmlQuantize {

    private GgmlQuantize() {
    }

    static byte[] q8_0(float[] x) {
        ByteBuffer out = GgufWriter.le(x.length / 32 * 34);
        for (int o = 0; o < x.length; o += 32) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[o + j]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            out.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) {
                out.put((byte) roundHalfAway(x[o + j] * id));
            }
        }
        return out.array();
    }

    static byte[] q4_0(float[] x) {
        ByteBuffer out = GgufWriter.le(x.length / 32 * 18);
        for (int o = 0; o < x.length; o += 32) {
            float amax = 0;
            float max = 0; // the first element of largest magnitude, with its sign
            for (int j = 0; j < 32; j++) {
                if (amax < Math.abs(x[o + j])) {
                    amax = Math.abs(x[o + j]);
                    max = x[o + j];
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            out.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int low = Math.min(15, (int) (x[o + j] * id + 8.5f));
                int high = Math.min(15, (int) (x[o + 16 + j] * id + 8.5f));
                out.put((byte) (low | high << 4));
            }
        }
        return out.array();
    }

    /** C's roundf: halves away from zero. */
    private static int roundHalfAway(float v) {
        return (int) Math.copySign(Math.round(Math.abs(v)), v);
    }
}
