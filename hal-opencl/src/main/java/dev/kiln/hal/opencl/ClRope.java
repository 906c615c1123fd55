package dev.kiln.hal.opencl;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.RopeSpec.Scaling;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * rope (rope.cl): the inverse frequencies of a {@link RopeSpec} are computed here in double, as
 * Hugging Face transformers computes {@code inv_freq} (with linear or llama3 rope_scaling), and
 * kept on the device per spec; the kernel turns each pair by position × frequency.
 */
final class ClRope {

    /** Specs whose frequencies stay on the device; a model has one or two. */
    private static final int CACHED_SPECS = 8;

    private final OpenClDevice device;
    private final Map<RopeSpec, Slice> frequencies = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<RopeSpec, Slice> eldest) {
            if (size() > CACHED_SPECS) {
                eldest.getValue().buffer().release();
                return true;
            }
            return false;
        }
    };

    ClRope(OpenClDevice device) {
        this.device = device;
    }

    void rope(RopeSpec spec, Slice x, Slice positions, int tokens, int heads, boolean inverse) {
        Operands check = new Operands(device, inverse ? "rope inverse" : "rope");
        check.size("tokens", tokens);
        check.size("heads", heads);
        check.f32("x", x, (long) tokens * heads * spec.headDim());
        check.i32("positions", positions, tokens);
        int half = spec.rotaryDim() / 2;
        long pairs = (long) tokens * heads * half;
        if (pairs == 0) {
            return;
        }
        new Launch(device, device.mainProgram(), "rope", () -> (inverse ? "rope inverse" : "rope") + " tokens="
                + tokens + " heads=" + heads + " headDim=" + spec.headDim() + " rotaryDim=" + spec.rotaryDim())
                .slice(x).slice(positions).slice(frequenciesOf(spec)).longValue(pairs).intValue(heads)
                .intValue(spec.headDim()).intValue(half).flag(spec.interleaved()).flag(inverse)
                .run1d(pairs, device.tuning().elementGroup());
    }

    private synchronized Slice frequenciesOf(RopeSpec spec) {
        Slice cached = frequencies.get(spec);
        if (cached == null) {
            double[] values = inverseFrequencies(spec);
            cached = Slice.of(device.allocate(DType.F32, values.length));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment host = arena.allocate((long) values.length * Float.BYTES);
                for (int i = 0; i < values.length; i++) {
                    host.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) values[i]);
                }
                device.upload(host, cached);
            }
            frequencies.put(spec, cached);
        }
        return cached;
    }

    /**
     * {@code theta^(-2i / rotaryDim)} for each pair, rescaled: "linear" divides by factor;
     * "llama3" keeps short wavelengths, divides long ones by factor and blends in between.
     */
    static double[] inverseFrequencies(RopeSpec spec) {
        int pairs = spec.rotaryDim() / 2;
        double[] frequencies = new double[pairs];
        Scaling s = spec.scaling();
        for (int i = 0; i < pairs; i++) {
            double f = 1 / Math.pow(spec.theta(), 2.0 * i / spec.rotaryDim());
            frequencies[i] = switch (s.type()) {
                case "linear" -> f / s.factor();
                case "llama3" -> llama3(f, s);
                default -> f;
            };
        }
        return frequencies;
    }

    private static double llama3(double f, Scaling s) {
        double wavelength = 2 * Math.PI / f;
        if (wavelength < s.originalMaxPositions() / s.highFreqFactor()) {
            return f;
        }
        if (wavelength > s.originalMaxPositions() / s.lowFreqFactor()) {
            return f / s.factor();
        }
        double smooth = (s.originalMaxPositions() / wavelength - s.lowFreqFactor())
                / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * f / s.factor() + smooth * f;
    }
}
