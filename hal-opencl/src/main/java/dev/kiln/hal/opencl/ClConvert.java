package dev.kiln.hal.opencl;

import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;

/**
 * convert between any two stored dtypes (convert.cl and its template), each result rounded once
 * to nearest even: to I32 rounding half to even and saturating, NaN to 0; from I32 to BF16 or
 * F16 through a float rounded to odd, so that the integer itself is rounded once. The same dtype
 * is a device copy, so overlapping ranges are fine.
 */
final class ClConvert {

    private final OpenClDevice device;

    ClConvert(OpenClDevice device) {
        this.device = device;
    }

    void convert(Slice src, Slice dst, long n) {
        Operands check = new Operands(device, "convert");
        check.size("n", n);
        DType from = check.any("src", src, n).dtype();
        DType to = check.any("dst", dst, n).dtype();
        if (from == to) {
            device.copy(src, dst, n);
            return;
        }
        new Launch(device, device.mainProgram(), KernelSources.convertKernel(from, to),
                () -> "convert " + from + " to " + to + " n=" + n)
                .slice(src).slice(dst).longValue(n).run1d(n, device.tuning().elementGroup());
    }
}
