package dev.kiln.hal.tck.checks;

import dev.kiln.api.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * convert between every two of the checked floating-point types, bit for bit: random values
 * across the exponent range, exact ties of bf16 and f16 rounding (which go to even), values just
 * either side of a tie, subnormals, overflow to infinity, signed zeros, infinities and NaN.
 */
public final class ConvertChecks implements CheckFamily {

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType from : context.options().floatTypes()) {
            for (DType to : context.options().floatTypes()) {
                tests.add(convert(context, from, to));
            }
        }
        return tests.stream();
    }

    private static DynamicTest convert(CheckContext context, DType from, DType to) {
        return context.test("convert " + from + " to " + to + " (round to nearest even, special values)", trial -> {
            float[] values = interestingValues(trial.random());
            Twin src = trial.input(from, values);
            Twin dst = trial.output(to, values.length);
            trial.run((kernels, on) -> kernels.convert(on.at(src), on.at(dst), values.length));
            trial.check("dst", dst, Tolerance.exact());
        });
    }

    static float[] interestingValues(Random random) {
        List<Float> values = new ArrayList<>(List.of(0f, -0f, 1f, -1f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE,
                Float.MIN_NORMAL, 65504f, 65519f, 65520f, 70000f, -1e5f, 6e-8f, 3e-8f, 1e-40f));
        for (int i = 0; i < 64; i++) {
            // Random magnitudes from 1e-12 to 1e12.
            values.add((float) ((random.nextBoolean() ? 1 : -1) * Math.pow(10, 24 * random.nextDouble() - 12)));
            int bits = Float.floatToRawIntBits((float) (random.nextDouble() * 8 - 4));
            values.add(Float.intBitsToFloat((bits & 0xFFFF0000) | 0x8000)); // bf16 tie
            values.add(Float.intBitsToFloat((bits & 0xFFFF0000) | 0x7FFF)); // just below
            values.add(Float.intBitsToFloat((bits & 0xFFFF0000) | 0x8001)); // just above
            values.add(Float.intBitsToFloat((bits & 0xFFFFE000) | 0x1000)); // f16 tie
            values.add(Float.intBitsToFloat((bits & 0xFFFFE000) | 0x0FFF));
            values.add((2 * random.nextInt(1024) + 1) * 0x1p-25f); // f16 subnormal tie
        }
        float[] result = new float[values.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = values.get(i);
        }
        return result;
    }
}
