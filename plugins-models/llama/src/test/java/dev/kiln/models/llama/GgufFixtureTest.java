package dev.kiln.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.TorchDtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The shared fixture {@code models/llama-2-tiny-random.gguf} (random weights) through ModelLoader:
 * the configuration comes from the GGUF metadata, the tensors by their Hugging Face names (q/k
 * rows un-permuted by the format). The logits match goldens/llama-2-tiny-random-gguf.json, which
 * make_goldens.py computes from the file's tensors read and un-permuted on its own; decoding
 * with the cache agrees with the full forward. Skipped where the checkout has no shared fixtures ({@code -Dkiln.shared.fixtures=DIR}
 * or a {@code shared/fixtures} above the working directory).
 */
class GgufFixtureTest {

    @Test
    void theTinyLlama2GgufLoadsAndDecodes() throws IOException {
        // The copy weights-gguf's tests hold (MIT, provenance beside it), so this runs in any clone.
        Path gguf = Path.of("../weights-gguf/src/test/resources/fixtures/llama-2-tiny-random.gguf");
        assertTrue(Files.isRegularFile(gguf), "missing fixture " + gguf.toAbsolutePath());
        TensorOps ops = Fixtures.ops();
        try (LoadedModel loaded = Fixtures.LOADER.load(gguf, ops, TorchDtype.FLOAT32)) {
            assertEquals("llama", loaded.family());
            assertEquals("gguf", loaded.format());
            CausalLM model = loaded.model();
            int vocab = loaded.config().requireInteger("vocab_size");
            JsonNode golden = Fixtures.golden("llama-2-tiny-random-gguf");
            int[] ids = Fixtures.ints(golden.get("input_ids"));
            float[] full;
            try (GradMode off = ops.noGrad()) {
                full = model.forward(ops.tensor(ids, Shape.of(1, ids.length)),
                        Fixtures.positions(ops, 0, ids.length), null).toFloatArray();
            }
            assertEquals(ids.length * vocab, full.length);
            float[] first256 = new float[ids.length * 256];
            float[] logsumexp = new float[ids.length];
            for (int t = 0; t < ids.length; t++) {
                System.arraycopy(full, t * vocab, first256, t * 256, 256);
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, full[t * vocab + v]);
                }
                double sum = 0;
                for (int v = 0; v < vocab; v++) {
                    sum += Math.exp(full[t * vocab + v] - max);
                }
                logsumexp[t] = (float) (max + Math.log(sum));
            }
            assertTrue(Fixtures.closeness(first256, Fixtures.floats(golden.get("logits_first_256")),
                    1e-4, 1e-4) <= 1, "logits");
            assertTrue(Fixtures.closeness(logsumexp, Fixtures.floats(golden.get("logsumexp")),
                    1e-4, 1e-4) <= 1, "log-sum-exp of the logits");
            try (KvCache cache = model.newCache(1, ids.length)) {
                model.forward(ops.tensor(Arrays.copyOf(ids, 4), Shape.of(1, 4)),
                        Fixtures.positions(ops, 0, 4), cache);
                for (int t = 4; t < ids.length; t++) {
                    float[] step = model.forwardLast(ops.tensor(new int[] {ids[t]}, Shape.of(1, 1)),
                            Fixtures.positions(ops, t, 1), null, cache).toFloatArray();
                    float[] want = Arrays.copyOfRange(full, t * vocab, (t + 1) * vocab);
                    assertTrue(Fixtures.closeness(step, want, 1e-4, 1e-4) <= 1, "decoding step " + t);
                }
            }
        }
    }
}
