package dev.kiln.hal.tck.checks;

import dev.kiln.api.tensor.DType;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the kit checks and how strictly.
 *
 * @param floatTypes the floating-point dtypes the device stores: GEMM inputs and conversions
 *     are checked in these (F32 is always among them)
 * @param toleranceScale multiplies every tolerance that is not exact
 * @param seed the seed every test's random inputs derive from
 */
public record KitOptions(Set<DType> floatTypes, double toleranceScale, long seed) {

    public KitOptions {
        if (!floatTypes.contains(DType.F32)) {
            throw new IllegalArgumentException("F32 must be among the checked types: " + floatTypes);
        }
        for (DType type : floatTypes) {
            if (!type.isFloatingPoint()) {
                throw new IllegalArgumentException(type + " is not a floating-point type");
            }
        }
        floatTypes = Collections.unmodifiableSet(EnumSet.copyOf(floatTypes)); // in a fixed order
        if (!(toleranceScale > 0) || Double.isInfinite(toleranceScale)) {
            throw new IllegalArgumentException("tolerance scale must be positive and finite: " + toleranceScale);
        }
    }

    public static KitOptions defaults() {
        return new KitOptions(Set.of(DType.F32, DType.BF16, DType.F16), 1, 20_250_101L);
    }
}
