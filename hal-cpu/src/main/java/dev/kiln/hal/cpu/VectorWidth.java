package dev.kiln.hal.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * Touches the Vector API. Kept in its own class so that a JVM without jdk.incubator.vector
 * fails only when this class is loaded, where {@link CpuProbe} catches it.
 */
final class VectorWidth {

    private VectorWidth() {}

    static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
