package dev.kiln.models.safetensors;

import dev.kiln.api.weights.TensorInfo;

/**
 * Where a tensor's bytes lie in its file's data section: {@code [begin, end)}, relative to the
 * first byte after the header, as safetensors' {@code data_offsets} are.
 */
record Slice(TensorInfo info, long begin, long end) {

    long length() {
        return end - begin;
    }
}
