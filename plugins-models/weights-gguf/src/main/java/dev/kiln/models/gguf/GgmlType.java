package dev.kiln.models.gguf;

import dev.kiln.api.tensor.DType;

/**
 * The ggml tensor types a GGUF file may hold, by their ids in ggml's {@code enum ggml_type}, with
 * the block layout that sizes their data. Plain types store one element per "block"; quantized
 * ones store {@code blockSize} elements in {@code blockBytes} and dequantize to F32. Types not
 * listed here (the IQ* family, F64, I16, ...) make a file fail to open.
 */
enum GgmlType {
    F32(0, 1, 4, DType.F32),
    F16(1, 1, 2, DType.F16),
    Q4_0(2, 32, 18, DType.F32),
    Q4_1(3, 32, 20, DType.F32),
    Q5_0(6, 32, 22, DType.F32),
    Q5_1(7, 32, 24, DType.F32),
    Q8_0(8, 32, 34, DType.F32),
    Q8_1(9, 32, 36, DType.F32),
    Q2_K(10, 256, 84, DType.F32),
    Q3_K(11, 256, 110, DType.F32),
    Q4_K(12, 256, 144, DType.F32),
    Q5_K(13, 256, 176, DType.F32),
    Q6_K(14, 256, 210, DType.F32),
    Q8_K(15, 256, 292, DType.F32),
    I8(24, 1, 1, DType.I8),
    I32(26, 1, 4, DType.I32),
    I64(27, 1, 8, DType.I64),
    BF16(30, 1, 2, DType.BF16);

    final int id;
    final int blockSize;
    final int blockBytes;
    /** The type elements read as: the plain type itself, F32 for quantized ones. */
    final DType dtype;

    GgmlType(int id, int blockSize, int blockBytes, DType dtype) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.dtype = dtype;
    }

    boolean quantized() {
        return blockSize > 1;
    }

    /** The type with ggml id {@code id}, or null when it is not one of these. */
    static GgmlType byId(int id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }
}
