package dev.kiln.models.gguf;

import java.lang.foreign.MemorySegment;

/**
 * The row permutation llama.cpp's convert_hf_to_gguf applies to a llama model's Q and K
 * projections ({@code LlamaModel.permute}), and its inverse, which transformers' GGUF loader
 * applies ({@code reverse_permute_weights}).
 *
 * <p>Hugging Face's RoPE rotates the two halves of each head (dimension {@code j} with
 * {@code j + d/2}); llama.cpp's rotates adjacent pairs ({@code 2j} with {@code 2j + 1}). Moving the
 * rows makes one equal the other: within each head of {@code d} rows, GGUF row {@code 2j + k} is
 * Hugging Face row {@code k * d/2 + j} ({@code k} 0 or 1). Whole rows move, so this works on any
 * storage whose rows are whole blocks: plain floats and ggml's quantized blocks alike.
 */
final class RopePermutation {

    private RopePermutation() {
    }

    /** GGUF rows {@code gguf} into Hugging Face order in {@code hf}. */
    static void unpermute(MemorySegment gguf, MemorySegment hf, long rows, long heads) {
        copyRows(gguf, hf, rows, heads, true);
    }

    /** Hugging Face rows {@code hf} into GGUF order in {@code gguf}, as llama.cpp writes them. */
    static void permute(MemorySegment hf, MemorySegment gguf, long rows, long heads) {
        copyRows(hf, gguf, rows, heads, false);
    }

    private static void copyRows(MemorySegment from, MemorySegment to, long rows, long heads,
            boolean toHf) {
        if (heads <= 0 || rows % heads != 0 || rows / heads % 2 != 0) {
            throw new IllegalArgumentException(rows + " rows do not split into " + heads
                    + " heads of an even size");
        }
        if (from.byteSize() != to.byteSize() || from.byteSize() % rows != 0) {
            throw new IllegalArgumentException(from.byteSize() + " bytes into " + to.byteSize()
                    + " bytes are not " + rows + " equal rows");
        }
        long rowBytes = from.byteSize() / rows;
        long headRows = rows / heads;
        long half = headRows / 2;
        for (long hfRow = 0; hfRow < rows; hfRow++) {
            long head = hfRow / headRows;
            long k = hfRow % headRows / half;
            long j = hfRow % half;
            long ggufRow = head * headRows + 2 * j + k;
            long src = (toHf ? ggufRow : hfRow) * rowBytes;
            long dst = (toHf ? hfRow : ggufRow) * rowBytes;
            MemorySegment.copy(from, src, to, dst, rowBytes);
        }
    }
}
