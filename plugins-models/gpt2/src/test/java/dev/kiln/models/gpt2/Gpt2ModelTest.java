package dev.kiln.models.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.core.optim.AdamW;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.safetensors.SafetensorsFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The model's structure (Hugging Face's names and Conv1D layouts), its linear layers and their
 * replacement, initialization, dropout and a few steps of training.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // scopes and no-grad modes are opened for their effect on the body
class Gpt2ModelTest {

    private final CpuDevice device = TinyGpt2.cpu();
    private final TensorOps ops = TinyGpt2.ops(device);
    private final Gpt2Family family = new Gpt2Family();

    @AfterAll
    void close() {
        device.close();
    }

    /** A small config, as config.json would give it, with {@code overrides} on top. */
    static ModelConfig config(Object... overrides) {
        Map<String, Object> values = new HashMap<>(Map.of(
                "model_type", "gpt2", "architectures", List.of("GPT2LMHeadModel"),
                "vocab_size", 50, "n_positions", 16, "n_embd", 16, "n_layer", 2, "n_head", 2,
                "resid_pdrop", 0.0, "embd_pdrop", 0.0, "attn_pdrop", 0.0));
        for (int i = 0; i < overrides.length; i += 2) {
            values.put((String) overrides[i], overrides[i + 1]);
        }
        return new ModelConfig(values, "test/config.json");
    }

    @Test
    void parametersHaveTheNamesAndShapesOfTheHuggingFaceCheckpoint() throws Exception {
        try (WeightSource checkpoint = new SafetensorsFormat().open(TinyGpt2.resource("tiny-gpt2"));
                Closer models = new Closer()) {
            CausalLM model = models.add(family.create(TinyGpt2.modelConfig("tiny-gpt2"), ops, 1));
            Map<String, Shape> expected = new LinkedHashMap<>();
            for (TensorInfo info : checkpoint.tensors().values()) {
                expected.put(info.name(), info.shape());
            }
            Map<String, Shape> actual = new LinkedHashMap<>();
            model.parameters().forEach((name, p) -> actual.put(name, p.shape()));
            assertEquals(expected, actual);
            // Conv1D: [in, out]
            assertEquals(Shape.of(64, 192), actual.get("transformer.h.0.attn.c_attn.weight"));
            assertEquals(Shape.of(256, 64), actual.get("transformer.h.1.mlp.c_proj.weight"));
            assertFalse(actual.containsKey("lm_head.weight"), "tied to transformer.wte.weight");
        }
    }

    @Test
    void linearLayersAreTheConv1DModulesOfEveryBlock() {
        try (Closer models = new Closer()) {
            CausalLM model = models.add(family.create(config(), ops, 1));
            List<String> expected = new ArrayList<>();
            for (int layer = 0; layer < 2; layer++) {
                for (String module : List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")) {
                    expected.add("transformer.h." + layer + "." + module);
                }
            }
            expected.add("lm_head");
            assertEquals(expected, List.copyOf(model.linearLayers().keySet()));
            // the tied head is a Linear over wte's own weight [vocab, n_embd]
            LinearLayer head = model.linearLayers().get("lm_head");
            assertSame(model.parameters().get("transformer.wte.weight"), head.weight());
            assertEquals(16, head.inFeatures());
            assertEquals(50, head.outFeatures());
            LinearLayer cFc = model.linearLayers().get("transformer.h.1.mlp.c_fc");
            assertEquals(16, cFc.inFeatures());
            assertEquals(64, cFc.outFeatures()); // n_inner defaults to 4 * n_embd
            assertSame(model.parameters().get("transformer.h.1.mlp.c_fc.weight"), cFc.weight());
            assertEquals(Shape.of(16, 64), cFc.weight().shape());
            assertSame(model.parameters().get("transformer.h.1.mlp.c_fc.bias"), cFc.bias().orElseThrow());
        }
    }

    /** x W + b with W [in, out], against the same sum computed on the host. */
    @Test
    void conv1DComputesXTimesItsInOutWeightPlusBias() {
        float[] w = {1, 2, 3, 4, 5, 6};      // [in 2, out 3]
        float[] b = {0.5f, -1, 2};
        float[] x = {1, -1, 2, 0.5f};        // [2 rows, in 2]
        try (TensorScope scope = ops.scope()) {
            Conv1DLinear layer = new Conv1DLinear(ops, ops.tensor(w, Shape.of(2, 3)),
                    ops.tensor(b, Shape.of(3)));
            assertEquals(2, layer.inFeatures());
            assertEquals(3, layer.outFeatures());
            float[] y = layer.forward(ops.tensor(x, Shape.of(2, 2))).toFloatArray();
            float[] expected = new float[6];
            for (int r = 0; r < 2; r++) {
                for (int o = 0; o < 3; o++) {
                    expected[r * 3 + o] = b[o] + x[r * 2] * w[o] + x[r * 2 + 1] * w[3 + o];
                }
            }
            assertArrayEquals(expected, y, 1e-6f);
        }
    }

    @Test
    void wrappedLinearLayersAreTheOnesTheForwardUses() {
        try (Closer models = new Closer(); TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
            CausalLM model = models.add(family.create(config(), ops, 3));
            Tensor ids = ops.tensor(new int[] {3, 9, 27, 4}, Shape.of(1, 4));
            Tensor positions = ops.tensor(TinyGpt2.range(0, 4), Shape.of(1, 4));
            float[] before = model.forward(ids, positions, null).toFloatArray();
            String name = "transformer.h.0.mlp.c_proj";
            LinearLayer base = model.linearLayers().get(name);
            model.wrapLinear(name, layer -> new Doubling(ops, layer));
            assertTrue(model.linearLayers().get(name) instanceof Doubling);
            float[] doubled = model.forward(ids, positions, null).toFloatArray();
            assertFalse(Arrays.equals(before, doubled), "the wrapper is used");
            model.wrapLinear(name, wrapper -> base);
            assertArrayEquals(before, model.forward(ids, positions, null).toFloatArray(), 0f);
        }
    }

    @Test
    void createDrawsTheInitializationOfGpt2FromTheSeed() {
        try (Closer models = new Closer()) {
            ModelConfig config = config("n_embd", 64, "n_head", 4, "n_layer", 8, "initializer_range", 0.05);
            CausalLM a = models.add(family.create(config, ops, 7));
            CausalLM b = models.add(family.create(config, ops, 7));
            CausalLM c = models.add(family.create(config, ops, 8));
            String cAttn = "transformer.h.3.attn.c_attn.weight";
            assertArrayEquals(a.parameters().get(cAttn).toFloatArray(), b.parameters().get(cAttn).toFloatArray());
            assertNotEquals(a.parameters().get(cAttn).toFloatArray()[0], c.parameters().get(cAttn).toFloatArray()[0]);
            Map<String, Tensor> p = a.parameters();
            assertEquals(0.05, std(p.get(cAttn)), 0.05 * 0.05);
            assertEquals(0.05, std(p.get("transformer.wte.weight")), 0.05 * 0.1);
            // residual projections: initializer_range / sqrt(2 n_layer) = 0.05 / 4
            assertEquals(0.0125, std(p.get("transformer.h.3.attn.c_proj.weight")), 0.0125 * 0.05);
            assertEquals(0.0125, std(p.get("transformer.h.5.mlp.c_proj.weight")), 0.0125 * 0.05);
            assertArrayEquals(new float[64], p.get("transformer.h.0.attn.c_proj.bias").toFloatArray());
            float[] ones = new float[64];
            Arrays.fill(ones, 1f);
            assertArrayEquals(ones, p.get("transformer.ln_f.weight").toFloatArray());
            assertArrayEquals(new float[64], p.get("transformer.h.7.ln_2.bias").toFloatArray());
            p.values().forEach(t -> assertTrue(t.requiresGrad() && t.dtype() == DType.F32));
        }
    }

    @Test
    void createForLoadingKeepsTorchDtypeForMatricesAndF32ForNormsAndBiases() {
        try (Closer models = new Closer()) {
            CausalLM model = models.add(family.createForLoading(
                    config("torch_dtype", "float16", "tie_word_embeddings", false), ops));
            Map<String, Tensor> p = model.parameters();
            for (String name : List.of("transformer.wte.weight", "transformer.wpe.weight",
                    "transformer.h.0.attn.c_attn.weight", "transformer.h.1.mlp.c_proj.weight",
                    "lm_head.weight")) {
                assertEquals(DType.F16, p.get(name).dtype(), name);
            }
            for (String name : List.of("transformer.h.0.ln_1.weight", "transformer.h.0.attn.c_attn.bias",
                    "transformer.ln_f.bias")) {
                assertEquals(DType.F32, p.get(name).dtype(), name);
            }
        }
    }

    /** resid_pdrop and embd_pdrop apply while gradients are recorded, not inside noGrad. */
    @Test
    void dropoutAppliesToTrainingForwardsOnly() {
        try (Closer models = new Closer(); TensorScope scope = ops.scope()) {
            CausalLM model = models.add(family.create(config("resid_pdrop", 0.3, "embd_pdrop", 0.3), ops, 5));
            Tensor ids = ops.tensor(new int[] {1, 2, 3, 4, 5, 6}, Shape.of(1, 6));
            Tensor positions = ops.tensor(TinyGpt2.range(0, 6), Shape.of(1, 6));
            float[] eval;
            float[] evalAgain;
            try (GradMode off = ops.noGrad()) {
                eval = model.forward(ids, positions, null).toFloatArray();
                evalAgain = model.forward(ids, positions, null).toFloatArray();
            }
            float[] train = model.forward(ids, positions, null).toFloatArray();
            float[] trainAgain = model.forward(ids, positions, null).toFloatArray();
            assertArrayEquals(eval, evalAgain, 0f);
            assertFalse(Arrays.equals(eval, train), "dropped while training");
            assertFalse(Arrays.equals(train, trainAgain), "new masks every forward");
        }
    }

    /** Decoding is inference: no graph, even with gradients on and parameters requiring them. */
    @Test
    void forwardsWithACacheRecordNoGraph() {
        try (Closer models = new Closer(); TensorScope scope = ops.scope()) {
            CausalLM model = models.add(family.create(config(), ops, 17));
            try (var cache = model.newCache(1, 8)) {
                Tensor logits = model.forward(ops.tensor(new int[] {1, 2}, Shape.of(1, 2)),
                        ops.tensor(new int[] {0, 1}, Shape.of(1, 2)), cache);
                assertFalse(logits.requiresGrad());
                assertEquals(2, cache.length());
            }
            Tensor training = model.forward(ops.tensor(new int[] {1, 2}, Shape.of(1, 2)),
                    ops.tensor(new int[] {0, 1}, Shape.of(1, 2)), null);
            assertTrue(training.requiresGrad());
        }
    }

    @Test
    void forwardLastIsTheLastRowOfTheForward() {
        try (Closer models = new Closer(); TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
            CausalLM model = models.add(family.create(config(), ops, 11));
            Tensor ids = ops.tensor(new int[] {5, 6, 7, 8, 9, 10}, Shape.of(2, 3));
            Tensor positions = ops.tensor(new int[] {0, 1, 2, 0, 1, 2}, Shape.of(2, 3));
            float[] all = model.forward(ids, positions, null).toFloatArray();
            Tensor last = model.forwardLast(ids, positions, null, null);
            assertEquals(Shape.of(2, 50), last.shape());
            float[] rows = last.toFloatArray();
            for (int b = 0; b < 2; b++) {
                TinyGpt2.assertClose(all, (b * 3 + 2) * 50, rows, b * 50, 50, "row " + b);
            }
        }
    }

    /** AdamW on one sequence: the loss falls, through the Conv1D layers and the tied head. */
    @Test
    void trainingLowersTheLossOfASequence() {
        try (Closer models = new Closer()) {
            CausalLM model = models.add(family.create(config(), ops, 13));
            int[] seq = {4, 8, 15, 16, 23, 42, 4, 8, 15, 16, 23, 42};
            int n = seq.length;
            Tensor ids = ops.tensor(seq, Shape.of(1, n));
            Tensor positions = ops.tensor(TinyGpt2.range(0, n), Shape.of(1, n));
            Tensor targets = ops.tensor(Arrays.copyOfRange(seq, 1, n), Shape.of(n - 1));
            float first = 0;
            float last = 0;
            try (AdamW adamW = new AdamW(AdamW.Settings.defaults().withLearningRate(1e-2))) {
                adamW.addGroup(List.copyOf(model.parameters().values()), true);
                for (int step = 0; step < 30; step++) {
                    try (TensorScope scope = ops.scope()) {
                        Tensor logits = ops.reshape(model.forward(ids, positions, null), Shape.of(n, 50));
                        Tensor loss = ops.crossEntropy(ops.narrow(logits, 0, 0, n - 1), targets, -100);
                        loss.backward();
                        adamW.step();
                        adamW.zeroGrad();
                        last = loss.item();
                        first = step == 0 ? last : first;
                    }
                }
            }
            assertTrue(first > 3.5, "starts near ln(50): " + first);
            assertTrue(last < 0.5, "learns the sequence: " + first + " -> " + last);
        }
    }

    private static double std(Tensor t) {
        float[] v = t.toFloatArray();
        double sum = 0;
        double squares = 0;
        for (float x : v) {
            sum += x;
            squares += (double) x * x;
        }
        double mean = sum / v.length;
        return Math.sqrt(squares / v.length - mean * mean);
    }

    /** A wrapper that doubles its base layer's output. */
    private record Doubling(TensorOps ops, LinearLayer base) implements LinearLayer {
        public int inFeatures() { return base.inFeatures(); }
        public int outFeatures() { return base.outFeatures(); }
        public Tensor weight() { return base.weight(); }
        public Optional<Tensor> bias() { return base.bias(); }
        public Tensor forward(Tensor x) { return ops.scale(base.forward(x), 2f); }
    }

    /** Frees the parameters of the models made in a test. */
    static final class Closer implements AutoCloseable {
        private final List<CausalLM> models = new ArrayList<>();

        CausalLM add(CausalLM model) {
            models.add(model);
            return model;
        }

        @Override
        public void close() {
            models.forEach(m -> m.parameters().values().forEach(Tensor::close));
        }
    }
}
