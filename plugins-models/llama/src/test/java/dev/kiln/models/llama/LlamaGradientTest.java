package dev.kiln.models.llama;

import static dev.kiln.models.llama.Fixtures.closeness;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.TorchDtype;
import dev.kiln.models.safetensors.SafetensorsFormat;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The training forward (no cache) with autograd: the causal-LM loss of the tied, biased Qwen2
 * checkpoint and the gradient of every parameter against PyTorch's
 * (goldens/qwen2-sharded.grads.safetensors). The tied embedding collects the gradients of both
 * the lookup and the LM head.
 */
class LlamaGradientTest {

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void lossAndGradientsMatchPyTorch() throws Exception {
        TensorOps ops = Fixtures.ops();
        JsonNode golden = Fixtures.golden("qwen2-sharded").get("loss");
        int[] ids = Fixtures.ints(golden.get("input_ids"));
        int n = ids.length;
        try (LoadedModel loaded = Fixtures.load("qwen2-sharded", ops, TorchDtype.AUTO);
                WeightSource want = new SafetensorsFormat().open(
                        Fixtures.resource("goldens/" + golden.get("gradients").asText()))) {
            Tensor logits = loaded.model().forward(ops.tensor(ids, Shape.of(1, n)),
                    Fixtures.positions(ops, 0, n), null);
            int vocab = logits.shape().dim(2);
            Tensor predicting = ops.reshape(ops.narrow(logits, 1, 0, n - 1), Shape.of(n - 1, vocab));
            Tensor loss = ops.crossEntropy(predicting,
                    ops.tensor(Arrays.copyOfRange(ids, 1, n), Shape.of(n - 1)), -100);
            loss.backward();

            assertEquals(golden.get("value").asDouble(), loss.item(), 1e-5, "loss");
            Map<String, Tensor> parameters = loaded.model().parameters();
            assertEquals(want.tensors().keySet(), parameters.keySet(), "parameters with gradients");
            for (Map.Entry<String, Tensor> parameter : parameters.entrySet()) {
                float[] expected = want.data(parameter.getKey()).toArray(F32);
                float[] got = parameter.getValue().grad().orElseThrow(
                        () -> new AssertionError("no gradient for " + parameter.getKey())).toFloatArray();
                double worst = closeness(got, expected, 1e-5, 1e-3);
                assertTrue(worst <= 1, "gradient of " + parameter.getKey() + " off by " + worst
                        + " × (1e-5 + 1e-3·|want|)");
            }
        }
    }
}
