package dev.kiln.api.tensor;

/** Element types a tensor can hold, with their storage size. */
public enum DType {
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    I64(8, false),
    I32(4, false),
    I8(1, false),
    U8(1, false),
    BOOL(1, false);

    private final int byteSize;
    private final boolean floatingPoint;

    DType(int byteSize, boolean floatingPoint) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /** Bytes one element takes in storage. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** The lower-case name used on the command line and in files: {@code bf16}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
