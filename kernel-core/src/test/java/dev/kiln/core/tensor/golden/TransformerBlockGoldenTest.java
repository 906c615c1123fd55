package dev.kiln.core.tensor.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.core.tensor.golden.GoldenCase.GoldenTensor;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import dev.kiln.hal.tck.reference.math.Rotary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A two-layer Llama-style decoder ({@link GoldenLlama}) on the engine against PyTorch: logits,
 * loss and the gradient of every parameter, from the golden files that
 * src/test/python/transformer_block_golden.py writes (float64 in PyTorch, F32 here).
 */
class TransformerBlockGoldenTest {

    /** Elementwise |got - want| <= ATOL + RTOL·|want|, as torch.allclose. */
    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-4;

    /** The scalar reference and the fast CPU backend must both match PyTorch. */
    private static final CpuDevice CPU = new CpuDevice(2);

    @AfterAll
    static void stopCpuThreads() {
        CPU.close();
    }

    static Stream<Arguments> casesOnDevices() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : List.of("llama_block", "llama_block_rope_llama3")) {
            cases.add(Arguments.of(name, new ReferenceDevice()));
            cases.add(Arguments.of(name, CPU));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} on {1}", autoCloseArguments = false)
    @MethodSource("casesOnDevices")
    void logitsLossAndGradientsMatchPyTorch(String name, Device device) {
        TensorOps ops = new TensorEngine().on(device);
        GoldenCase golden = GoldenCase.load(name);
        GoldenLlama.Config config = GoldenLlama.Config.fromHf(golden.config());
        Map<String, Tensor> parameters = new LinkedHashMap<>();
        golden.parameters().forEach((parameter, value) ->
                parameters.put(parameter, ops.parameter(value.floats(), Shape.of(value.shape()))));
        GoldenLlama model = new GoldenLlama(ops, config, parameters);

        int[] labels = golden.labels().ints();
        int batch = golden.inputIds().shape()[0];
        int seq = golden.inputIds().shape()[1];
        assertArrayEquals(golden.shiftLabels().ints(),
                GoldenLlama.shiftLabels(labels, batch, seq, golden.ignoreIndex()), "shifted labels");

        Tensor logits = model.logits(ops.tensor(golden.inputIds().ints(), Shape.of(batch, seq)),
                ops.tensor(golden.positions().ints(), Shape.of(batch, seq)));
        Tensor loss = model.loss(logits, labels, golden.ignoreIndex());
        assertEquals(Set.of(), model.unusedParameters(), "parameters the model did not use");

        Comparison comparison = new Comparison(name);
        comparison.check("logits", logits, golden.logits());
        comparison.check("loss", loss, new GoldenTensor(new int[0], new double[] {golden.loss()}));
        loss.backward();
        assertEquals(golden.parameters().keySet(), golden.gradients().keySet(), "gradient names");
        golden.gradients().forEach((parameter, want) -> comparison.check("grad " + parameter,
                parameters.get(parameter).grad().orElseThrow(
                        () -> new AssertionError("no gradient for " + parameter)),
                want));
        comparison.assertAllClose();
    }

    /** The reference device's inv_freq against transformers', to tell a rope mismatch apart. */
    @ParameterizedTest
    @ValueSource(strings = {"llama_block", "llama_block_rope_llama3"})
    void ropeFrequenciesMatchTransformers(String name) {
        GoldenCase golden = GoldenCase.load(name);
        GoldenLlama.Config config = GoldenLlama.Config.fromHf(golden.config());
        assertArrayEquals(golden.ropeInverseFrequencies(), Rotary.inverseFrequencies(config.rope()),
                1e-8, "inv_freq of " + config.rope());
    }

    /** Compares tensors, remembering the worst element of each; fails listing every mismatch. */
    private static final class Comparison {

        private final String name;
        private final List<String> mismatches = new ArrayList<>();

        Comparison(String name) {
            this.name = name;
        }

        void check(String what, Tensor got, GoldenTensor want) {
            assertArrayEquals(want.shape(), got.shape().toArray(), what + ": shape");
            float[] values = got.toFloatArray();
            int worst = -1;
            double worstExcess = 0;
            double maxAbsError = 0;
            for (int i = 0; i < values.length; i++) {
                double error = Math.abs(values[i] - want.data()[i]);
                double excess = error / (ATOL + RTOL * Math.abs(want.data()[i]));
                maxAbsError = Math.max(maxAbsError, Double.isNaN(error) ? Double.POSITIVE_INFINITY : error);
                if (worst < 0 || excess > worstExcess || Double.isNaN(excess)) {
                    worst = i;
                    worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
                }
            }
            if (worstExcess > 1) {
                mismatches.add(String.format("%s %s: worst element %d got %.9g want %.9g "
                        + "(|error| %.3g, %.1fx the tolerance); max |error| %.3g", what,
                        Arrays.toString(want.shape()), worst, values[worst],
                        want.data()[worst], Math.abs(values[worst] - want.data()[worst]),
                        worstExcess, maxAbsError));
            }
        }

        void assertAllClose() {
            if (!mismatches.isEmpty()) {
                fail(name + ": " + mismatches.size() + " tensors differ from PyTorch beyond atol "
                        + ATOL + " + rtol " + RTOL + ":\n  " + String.join("\n  ", mismatches));
            }
        }
    }
}
