package dev.kiln.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.optim.AdamW;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** New adapters: targets, init, scaling, freezing, dropout and training. */
@SuppressWarnings("try") // scopes act by being open
class LoraTunerTest {

    private static final int[] IDS = {5, 17, 99, 3, 250, 41, 7, 120};

    private final TensorOps ops = Fixtures.ops();

    @Test
    void allLinearAdaptsEveryLinearLayerButTheHead() {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            LoraModel tuned = apply(llama.model(), Map.of("target_modules", List.of("all-linear")), 1);
            assertEquals(14, tuned.adapters().size()); // 7 projections in each of 2 layers
            assertFalse(tuned.adapters().containsKey("lm_head"));
            assertEquals(List.of("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj",
                    "v_proj"), tuned.adapterConfig().get("target_modules"));
            assertEquals(false, tuned.adapterConfig().get("fan_in_fan_out"));
        }
        try (LoadedModel gpt2 = Fixtures.load("gpt2", ops)) {
            LoraModel tuned = apply(gpt2.model(), Map.of(), 1); // all-linear is the default
            assertEquals(8, tuned.adapters().size());
            assertEquals(List.of("c_attn", "c_fc", "c_proj"),
                    tuned.adapterConfig().get("target_modules"));
            assertEquals(true, tuned.adapterConfig().get("fan_in_fan_out"));
        }
    }

    @Test
    void targetModulesAreNameSuffixesOrARegex() {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            LoraModel tuned = apply(llama.model(), Map.of("target_modules", "q_proj self_attn.v_proj"), 1);
            assertEquals(List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                    "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"),
                    List.copyOf(tuned.adapters().keySet()));
        }
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            LoraModel tuned = apply(llama.model(),
                    Map.of("target_regex", "model\\.layers\\.1\\.mlp\\..*"), 1);
            assertEquals(List.of("model.layers.1.mlp.gate_proj", "model.layers.1.mlp.up_proj",
                    "model.layers.1.mlp.down_proj"), List.copyOf(tuned.adapters().keySet()));
            assertEquals("model\\.layers\\.1\\.mlp\\..*", tuned.adapterConfig().get("target_modules"));
        }
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            LoraModel tuned = apply(llama.model(), Map.of("target_modules", List.of("lm_head")), 1);
            assertEquals(List.of("lm_head"), List.copyOf(tuned.adapters().keySet()));
        }
    }

    @Test
    void anUnknownTargetModuleNamesTheModelsLinearModules() {
        try (LoadedModel gpt2 = Fixtures.load("gpt2", ops)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> apply(gpt2.model(), Map.of("target_modules", List.of("c_attn", "q_proj")), 1));
            assertTrue(e.getMessage().startsWith("--target_modules 'q_proj' names no linear layer"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("c_attn, c_fc, c_proj, lm_head"), e.getMessage());
            assertTrue(gpt2.model().parameters().values().stream().allMatch(Tensor::requiresGrad),
                    "a refused call leaves the model as it was");
        }
    }

    @Test
    void theDefaultInitLeavesTheModelAsItWasWithAKaimingUniformA() {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            float[] before = Fixtures.logits(llama.model(), ops, IDS);
            LoraModel tuned = apply(llama.model(), Map.of("lora_rank", 16), 3);
            assertArrayEquals(before, Fixtures.logits(llama.model(), ops, IDS));
            LoraLinear down = tuned.adapters().get("model.layers.0.mlp.down_proj"); // in 96
            float[] a = down.loraA().toFloatArray();
            assertEquals(16 * 96, a.length);
            double bound = 1 / Math.sqrt(96);
            double sum = 0;
            double max = 0;
            for (float v : a) {
                assertTrue(Math.abs(v) <= bound, v + " outside ±" + bound);
                sum += v;
                max = Math.max(max, Math.abs(v));
            }
            assertEquals(0, sum / a.length, bound * 0.1);
            assertTrue(max > bound * 0.95, "spread over the whole range");
            for (float v : down.loraB().toFloatArray()) {
                assertEquals(0f, v);
            }
            assertEquals(true, tuned.adapterConfig().get("init_lora_weights"));
        }
    }

    @Test
    void theSeedReproducesTheAdaptersAndAnotherSeedChangesThem() {
        float[][] a = new float[3][];
        long[] seeds = {7, 7, 8};
        for (int i = 0; i < 3; i++) {
            try (LoadedModel llama = Fixtures.load("llama3", ops)) {
                a[i] = apply(llama.model(), Map.of(), seeds[i]).adapters()
                        .get("model.layers.1.self_attn.k_proj").loraA().toFloatArray();
            }
        }
        assertArrayEquals(a[0], a[1]);
        assertFalse(java.util.Arrays.equals(a[0], a[2]));
    }

    @Test
    void rsLoraScalesByAlphaOverTheSquareRootOfTheRank() {
        Map<String, Object> args = new HashMap<>(Map.of("lora_rank", 16, "lora_alpha", 8,
                "init_lora_weights", "false", "target_modules", "q_proj"));
        float[] base;
        float[] plain;
        float[] rs;
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            base = Fixtures.logits(llama.model(), ops, IDS);
            LoraModel tuned = apply(llama.model(), args, 5);
            tuned.adapters().values().forEach(l -> assertEquals(0.5, l.scaling(), 1e-7));
            plain = Fixtures.logits(llama.model(), ops, IDS);
        }
        args.put("use_rslora", true);
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            LoraModel tuned = apply(llama.model(), args, 5); // the same A and B
            tuned.adapters().values().forEach(l -> assertEquals(2.0, l.scaling(), 1e-7));
            assertEquals(true, tuned.adapterConfig().get("use_rslora"));
            rs = Fixtures.logits(llama.model(), ops, IDS);
        }
        // q_proj's output moves four times as far; through attention the logits move further, not
        // proportionally, so compare the direction of the change at the first position instead:
        // position 0 attends to itself only, where q does not matter at all.
        int vocab = base.length / IDS.length;
        for (int v = 0; v < vocab; v++) {
            assertEquals(base[v], plain[v], 1e-5);
            assertEquals(base[v], rs[v], 1e-5);
        }
        assertTrue(distance(base, rs) > 2 * distance(base, plain), "rsLoRA's update is larger");
    }

    @Test
    void theBaseIsFrozenAndOnlyTheAdaptersTrain() {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            CausalLM model = llama.model();
            TunedModel tuned = apply(model, Map.of("target_modules", "v_proj o_proj",
                    "lora_dropout", 0, "init_lora_weights", false), 2);
            assertTrue(model.parameters().values().stream().noneMatch(Tensor::requiresGrad));
            assertEquals(8, tuned.trainableParameters().size());
            assertEquals(tuned.trainableParameters(), tuned.stateToSave());
            assertEquals(List.of(), tuned.noWeightDecay());
            assertTrue(tuned.trainableParameters().containsKey(
                    "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight"));
            List<Float> losses = train(model, tuned, 30);
            assertTrue(losses.getLast() < losses.getFirst() * 0.5,
                    "LoRA learns the sequence: " + losses);
        }
    }

    @Test
    void dropoutDropsInTrainingOnlyAndActivationCheckpointingRecomputesTheSameMasks() {
        Map<String, Object> args = Map.of("lora_dropout", 0.5, "init_lora_weights", "false");
        float[][] grads = new float[2][];
        for (int run = 0; run < 2; run++) {
            try (LoadedModel llama = Fixtures.load("llama3", ops)) {
                CausalLM model = llama.model();
                TunedModel tuned = apply(model, args, 4);
                float[] eval = Fixtures.logits(model, ops, IDS);
                model.setGradientCheckpointing(run == 1);
                try (TensorScope scope = ops.scope()) {
                    Tensor loss = Fixtures.loss(model, ops, IDS);
                    float[] train = Fixtures.forward(model, ops, IDS).toFloatArray();
                    assertTrue(distance(eval, train) > 1e-3, "dropout changes a training forward");
                    assertArrayEquals(train, Fixtures.forward(model, ops, IDS).toFloatArray(),
                            "the same input draws the same masks");
                    loss.backward();
                }
                Tensor a = tuned.trainableParameters()
                        .get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
                grads[run] = a.grad().orElseThrow().toFloatArray();
            }
        }
        assertTrue(Fixtures.closeness(grads[1], grads[0], 1e-5, 1e-4) <= 1,
                "checkpointed gradients equal the plain ones");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "lora_rank|0|--lora_rank must be a positive integer",
        "lora_rank|2.5|--lora_rank must be an integer",
        "lora_alpha|-1|--lora_alpha must be a positive number",
        "lora_dropout|1|--lora_dropout must be a probability in [0, 1)",
        "use_rslora|maybe|--use_rslora must be true or false",
        "init_lora_weights|pissa|--init_lora_weights must be true, false or gaussian",
        "init_weights|olora|--init_weights must be true, false or gaussian",
        "use_dora|maybe|--use_dora must be true or false",
        "lorap_lr_ratio|0|--lorap_lr_ratio must be a positive number",
        "lorap_lr_ratio|-16|--lorap_lr_ratio must be a positive number",
        "lorap_lr_ratio|many|--lorap_lr_ratio must be a number",
        "lora_bias|all|--lora_bias must be none",
        "modules_to_save|embed_tokens|--modules_to_save [embed_tokens]",
        "target_regex|(|--target_regex '(' is not a regular expression",
    })
    void badArgumentsAreRefusedByName(String option, String value, String message) {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> apply(llama.model(), Map.of(option, value), 1));
            assertTrue(e.getMessage().startsWith(message), e.getMessage());
        }
    }

    @Test
    void gaussianInitAndTheAdapterConfigKeys() {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            LoraModel tuned = apply(llama.model(), Map.of("init_weights", "gaussian", "lora_rank", 4,
                    "lora_alpha", 16, "model", "Qwen/Qwen2.5-0.5B"), 1);
            float[] a = tuned.adapters().values().iterator().next().loraA().toFloatArray();
            double sq = 0;
            for (float v : a) {
                sq += v * v;
            }
            assertEquals(0.25, Math.sqrt(sq / a.length), 0.03); // std 1/r
            Map<String, Object> config = tuned.adapterConfig();
            assertEquals("gaussian", config.get("init_lora_weights"));
            assertEquals("LORA", config.get("peft_type"));
            assertEquals("CAUSAL_LM", config.get("task_type"));
            assertEquals(4, config.get("r"));
            assertEquals(16L, config.get("lora_alpha"));
            assertEquals(0.05, config.get("lora_dropout"));
            assertEquals("none", config.get("bias"));
            assertEquals("Qwen/Qwen2.5-0.5B", config.get("base_model_name_or_path"));
            assertEquals(List.copyOf(new java.util.TreeSet<>(config.keySet())),
                    List.copyOf(config.keySet()), "sorted, as PEFT writes them");
        }
    }

    @Test
    void mergingANewAdapterKeepsTheLogits() {
        try (LoadedModel gpt2 = Fixtures.load("gpt2", ops)) {
            float[] base = Fixtures.logits(gpt2.model(), ops, IDS);
            LoraModel tuned = apply(gpt2.model(), Map.of("init_lora_weights", false, "lora_alpha", 64), 9);
            float[] adapted = Fixtures.logits(gpt2.model(), ops, IDS);
            assertTrue(distance(base, adapted) > 1, "the adapters change the logits");
            tuned.merge();
            assertTrue(gpt2.model().linearLayers().values().stream()
                    .noneMatch(l -> l instanceof LoraLinear));
            assertTrue(Fixtures.closeness(Fixtures.logits(gpt2.model(), ops, IDS), adapted, 1e-4, 1e-4) <= 1);
        }
    }

    @Test
    void aNewDoraAdapterStartsAsTheBaseModelWithTheRowNormsAsMagnitudes() {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            float[] before = Fixtures.logits(llama.model(), ops, IDS);
            Map<String, float[]> weights = new java.util.HashMap<>();
            llama.model().linearLayers().forEach((m, l) -> weights.put(m, l.weight().toFloatArray()));
            LoraModel tuned = apply(llama.model(), Map.of("use_dora", true, "lora_dropout", 0), 3);
            assertArrayEquals(before, Fixtures.logits(llama.model(), ops, IDS), 1e-5f);
            assertEquals(true, tuned.adapterConfig().get("use_dora"));
            assertEquals(3 * 14, tuned.trainableParameters().size());
            String module = "model.layers.1.mlp.down_proj";
            DoraLinear down = (DoraLinear) tuned.adapters().get(module);
            int out = down.outFeatures();
            int in = down.inFeatures();
            float[] w = weights.get(module);
            float[] magnitude = down.magnitude().toFloatArray();
            assertEquals(out, magnitude.length);
            for (int o = 0; o < out; o++) {
                double square = 0;
                for (int i = 0; i < in; i++) {
                    square += (double) w[o * in + i] * w[o * in + i];
                }
                assertEquals(Math.sqrt(square), magnitude[o], 1e-6 * Math.sqrt(square), "row " + o);
            }
            assertEquals(magnitude.length, tuned.trainableParameters()
                    .get("base_model.model." + module + ".lora_magnitude_vector").toFloatArray().length);
        }
    }

    /**
     * With non-zero B at the start (init false), DoRA's magnitudes are the norms of W + s·B A, so
     * the adapted layer computes what plain LoRA computes, on Linear and on Conv1D with biases.
     */
    @ParameterizedTest
    @CsvSource({"llama3", "gpt2"})
    void doraStartsWhereLoraWouldWithTheSameMatrices(String name) {
        Map<String, Object> args = new HashMap<>(Map.of("init_lora_weights", false,
                "lora_dropout", 0, "lora_alpha", 64));
        float[] lora;
        float[] dora;
        float[] base;
        try (LoadedModel loaded = Fixtures.load(name, ops)) {
            base = Fixtures.logits(loaded.model(), ops, IDS);
            apply(loaded.model(), args, 6);
            lora = Fixtures.logits(loaded.model(), ops, IDS);
        }
        args.put("use_dora", "true");
        try (LoadedModel loaded = Fixtures.load(name, ops)) {
            apply(loaded.model(), args, 6);
            dora = Fixtures.logits(loaded.model(), ops, IDS);
        }
        assertTrue(distance(base, lora) > 1, "the adapters change the logits");
        assertTrue(Fixtures.closeness(dora, lora, 1e-4, 1e-4) <= 1,
                "DoRA at init = LoRA: " + Fixtures.closeness(dora, lora, 1e-4, 1e-4));
    }

    @Test
    void doraTrainsTheMagnitudesAndMergesKeepingTheLogits() {
        try (LoadedModel gpt2 = Fixtures.load("gpt2", ops)) {
            CausalLM model = gpt2.model();
            LoraModel tuned = apply(model, Map.of("use_dora", true, "lora_dropout", 0.1,
                    "target_modules", "c_attn c_fc"), 2);
            Tensor magnitude = tuned.trainableParameters()
                    .get("base_model.model.transformer.h.0.mlp.c_fc.lora_magnitude_vector");
            float[] start = magnitude.toFloatArray();
            List<Float> losses = train(model, tuned, 20);
            assertTrue(losses.getLast() < losses.getFirst() * 0.7, "DoRA learns: " + losses);
            assertFalse(java.util.Arrays.equals(start, magnitude.toFloatArray()), "m trains");
            float[] adapted = Fixtures.logits(model, ops, IDS);
            tuned.merge();
            assertTrue(model.linearLayers().values().stream().noneMatch(l -> l instanceof LoraLinear));
            assertTrue(Fixtures.closeness(Fixtures.logits(model, ops, IDS), adapted, 1e-4, 1e-4) <= 1);
        }
    }

    /**
     * LoRA+ as PEFT's create_loraplus_optimizer groups parameters: B and the one-dimensional
     * DoRA magnitudes at lr · ratio, A at lr. The trainer applies the scales (kernel-core's
     * LearningRateScaleTest); here a one-step AdamW check with them: the first AdamW step moves
     * each parameter by -lr (wd p + g / (|g| + eps)), linear in its lr.
     */
    @Test
    void loraPlusTrainsBAndTheMagnitudesRatioTimesFaster() {
        double ratio = 16;
        Map<String, Object> args = Map.of("use_dora", true, "lorap_lr_ratio", ratio,
                "init_lora_weights", false, "lora_dropout", 0, "target_modules", "v_proj");
        Map<String, float[]> before = new java.util.LinkedHashMap<>();
        Map<String, float[]> plain = new java.util.LinkedHashMap<>();
        Map<String, float[]> plus = new java.util.LinkedHashMap<>();
        for (int run = 0; run < 2; run++) {
            try (LoadedModel llama = Fixtures.load("llama3", ops)) {
                LoraModel tuned = apply(llama.model(), args, 8);
                try (AdamW adamW = new AdamW(AdamW.Settings.defaults().withLearningRate(1e-3))) {
                    for (Map.Entry<String, Tensor> p : tuned.trainableParameters().entrySet()) {
                        before.put(p.getKey(), p.getValue().toFloatArray());
                        adamW.addGroup(List.of(p.getValue()), true,
                                run == 0 ? 1 : tuned.learningRateScale(p.getKey()));
                    }
                    try (TensorScope scope = ops.scope()) {
                        Fixtures.loss(llama.model(), ops, IDS).backward();
                    }
                    adamW.step();
                }
                Map<String, float[]> after = run == 0 ? plain : plus;
                tuned.trainableParameters().forEach((k, p) -> after.put(k, p.toFloatArray()));
                if (run == 1) {
                    tuned.trainableParameters().keySet().forEach(k -> assertEquals(
                            k.contains("lora_A") ? 1 : ratio, tuned.learningRateScale(k), 0, k));
                }
            }
        }
        assertEquals(6, plain.size());
        for (String k : plain.keySet()) {
            double factor = k.contains("lora_A") ? 1 : ratio;
            for (int i = 0; i < before.get(k).length; i++) {
                double step = (double) plain.get(k)[i] - before.get(k)[i];
                assertEquals(factor * step, (double) plus.get(k)[i] - before.get(k)[i],
                        2e-6 * Math.max(1, Math.abs(before.get(k)[i])), k + "[" + i + "]");
            }
        }
    }

    @Test
    void withoutLoraPlusEveryParameterTrainsAtTheLearningRate() {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            LoraModel tuned = apply(llama.model(), Map.of("use_dora", true), 1);
            tuned.trainableParameters().keySet()
                    .forEach(k -> assertEquals(1, tuned.learningRateScale(k), 0, k));
        }
    }

    private LoraModel apply(CausalLM model, Map<String, Object> arguments, long seed) {
        return (LoraModel) Fixtures.tuner().apply(model, arguments, ops, seed);
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }

    /**
     * {@code steps} AdamW steps (lr 1e-2) of the tuned parameters on IDS; the losses. The frozen
     * base never gets a gradient.
     */
    @SuppressWarnings("try")
    private List<Float> train(CausalLM model, TunedModel tuned, int steps) {
        AdamW adamW = new AdamW(AdamW.Settings.defaults().withLearningRate(1e-2))
                .addGroup(List.copyOf(tuned.trainableParameters().values()), true);
        List<Float> losses = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            try (TensorScope scope = ops.scope()) {
                Tensor loss = Fixtures.loss(model, ops, IDS);
                losses.add(loss.item());
                loss.backward();
            }
            adamW.step();
            tuned.trainableParameters().values().forEach(Tensor::zeroGrad);
            assertTrue(model.parameters().values().stream().allMatch(p -> p.grad().isEmpty()));
        }
        return losses;
    }
}
