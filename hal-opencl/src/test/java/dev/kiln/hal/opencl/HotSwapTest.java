package dev.kiln.hal.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.Device;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.backend.Backends;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.backend.MovableDevice;
import dev.kiln.core.optim.AdamW;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.llama.LlamaFamily;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Live backend swaps of a Llama model (random, small) between hal-cpu and OpenCL: a server
 * answering a stream of requests while the backend switches back and forth and the OpenCL
 * bundle leaves and comes back, and a training run switched mid-way.
 */
class HotSwapTest {

    private static final int NEW_TOKENS = 8;

    @Test
    void aServerKeepsAnsweringWhileTheBackendSwitchesAndTheBundleLeavesAndComesBack() throws Exception {
        OpenClConformanceTest.assumeOpenCl();
        BackendRegistry registry = new BackendRegistry();
        List<String> events = new CopyOnWriteArrayList<>();
        LiveJobs jobs = Backends.liveJobs(registry, events::add);
        CpuDevice cpuDevice = new CpuDevice(2);
        Backends.register(registry, jobs, "cpu", cpuBackend(cpuDevice));
        OpenClBackend opencl = new OpenClBackend();
        Map<String, Object> openclService = Backends.register(registry, jobs, "opencl", opencl);
        OpenClBackend openclAgain = new OpenClBackend();
        try (LiveJobs.Job job = jobs.start("chat", registry.open("cpu"))) {
            TensorOps ops = new TensorEngine().on(job.device());
            CausalLM model = new LlamaFamily().create(config(), ops, 7);
            int[][] prompts = prompts(12, 1);
            int[][] expected = Arrays.stream(prompts).map(p -> greedy(model, ops, p)).toArray(int[][]::new);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger answered = new AtomicInteger();
            List<String> failures = new CopyOnWriteArrayList<>();
            Thread server = Thread.ofPlatform().name("server").start(() -> {
                for (int r = 0; !stop.get(); r = (r + 1) % prompts.length) {
                    try {
                        int[] answer = greedy(model, ops, prompts[r]);
                        if (!Arrays.equals(expected[r], answer)) {
                            failures.add("request " + r + " on " + job.device().name() + " answered "
                                    + Arrays.toString(answer) + ", on the CPU " + Arrays.toString(expected[r]));
                        }
                    } catch (RuntimeException | Error e) {
                        failures.add("request " + r + " failed: " + e);
                    }
                    answered.incrementAndGet();
                }
            });

            for (int round = 0; round < 3; round++) {
                awaitAnswers(answered, 3);
                jobs.moveAll("opencl");
                assertEquals("opencl:0", job.device().name());
                awaitAnswers(answered, 3);
                jobs.moveAll("cpu");
                assertEquals("cpu:0", job.device().name());
            }
            jobs.moveAll("opencl");
            awaitAnswers(answered, 3);
            // The OpenCL bundle leaves: the job moves to the CPU first, then the devices close.
            Backends.unregister(registry, jobs, opencl, openclService);
            assertEquals("cpu:0", job.device().name());
            opencl.deactivate();
            awaitAnswers(answered, 3);
            // ... and comes back.
            Backends.register(registry, jobs, "opencl", openclAgain);
            jobs.moveAll("opencl");
            assertEquals("opencl:0", job.device().name());
            awaitAnswers(answered, 3);
            stop.set(true);
            server.join();

            assertEquals(List.of(), failures, "failed or different answers");
            assertTrue(answered.get() >= 27, "answered: " + answered.get());
            assertEquals(9, job.device().moves().size(), job.device().moves().toString());
            assertTrue(events.stream().anyMatch(e -> e.startsWith("job 'chat' moved from opencl:0 to cpu:0")
                    && e.endsWith("(backend 'opencl' is leaving)")), events.toString());
        } finally {
            openclAgain.deactivate();
            cpuDevice.close();
        }
    }

    @Test
    void aTrainingRunSwitchedMidwayContinuesItsLossCurveWithItsOptimizerState() {
        OpenClConformanceTest.assumeOpenCl();
        OpenClBackend opencl = new OpenClBackend();
        try (CpuDevice cpu = new CpuDevice(2)) {
            float[] onCpu = train(new MovableDevice(cpu), null, 0);
            float[] switched = train(new MovableDevice(cpu), opencl.open(0), 4);
            assertTrue(onCpu[7] < onCpu[0] - 0.5, "the run learns: " + Arrays.toString(onCpu));
            for (int step = 0; step < onCpu.length; step++) {
                assertEquals(onCpu[step], switched[step], 2e-4 * Math.max(1, Math.abs(onCpu[step])),
                        "loss at step " + step + " (switched after step 3): " + Arrays.toString(switched)
                                + " against " + Arrays.toString(onCpu));
            }
        } finally {
            opencl.deactivate();
        }
    }

    /** Losses of 8 AdamW steps on one batch, moving to {@code target} before step {@code moveAt}. */
    private static float[] train(MovableDevice device, Device target, int moveAt) {
        TensorOps ops = new TensorEngine().on(device);
        CausalLM model = new LlamaFamily().create(config(), ops, 11);
        int[] tokens = new Random(2).ints(16, 0, VOCAB).toArray();
        int n = tokens.length;
        Tensor inputs = ops.tensor(Arrays.copyOf(tokens, n - 1), Shape.of(1, n - 1));
        Tensor positions = ops.tensor(IntStream.range(0, n - 1).toArray(), Shape.of(1, n - 1));
        Tensor targets = ops.tensor(Arrays.copyOfRange(tokens, 1, n), Shape.of(n - 1));
        float[] losses = new float[8];
        try (AdamW adamW = new AdamW(AdamW.Settings.defaults().withLearningRate(1e-2))
                .addGroup(new ArrayList<>(model.parameters().values()), true)) {
            for (int step = 0; step < losses.length; step++) {
                if (target != null && step == moveAt) {
                    AdamW.State before = adamW.exportState();
                    device.moveTo(target);
                    assertStatesEqual(before, adamW.exportState());
                }
                try (TensorScope scope = ops.scope()) {
                    Tensor logits = model.forward(inputs, positions, null);
                    Tensor loss = ops.crossEntropy(ops.reshape(logits, Shape.of(n - 1, VOCAB)), targets, -100);
                    loss.backward();
                    losses[step] = loss.item();
                }
                adamW.step();
                adamW.zeroGrad();
            }
        }
        return losses;
    }

    /** The CPU backend as a runtime has it, on a device the test closes. */
    private static Backend cpuBackend(CpuDevice device) {
        BackendInfo info = BackendInfo.builder("cpu").build();
        return new Backend() {
            @Override
            public BackendInfo info() {
                return info;
            }

            @Override
            public Device open(int index) {
                return device;
            }
        };
    }

    /** The moments moved bit for bit. */
    private static void assertStatesEqual(AdamW.State before, AdamW.State after) {
        assertEquals(before.steps(), after.steps());
        assertEquals(before.parameters().size(), after.parameters().size());
        for (int i = 0; i < before.parameters().size(); i++) {
            assertArrayEquals(before.parameters().get(i).m(), after.parameters().get(i).m(), 0f, "m of parameter " + i);
            assertArrayEquals(before.parameters().get(i).v(), after.parameters().get(i).v(), 0f, "v of parameter " + i);
        }
    }

    /** Greedy decoding with a KV cache: the prompt's tokens, then one token per step. */
    private static int[] greedy(CausalLM model, TensorOps ops, int[] prompt) {
        int[] answer = new int[NEW_TOKENS];
        try (GradMode noGrad = ops.noGrad(); KvCache cache = model.newCache(1, prompt.length + NEW_TOKENS)) {
            int[] ids = prompt;
            int position = 0;
            for (int t = 0; t < NEW_TOKENS; t++) {
                try (TensorScope scope = ops.scope()) {
                    int[] at = IntStream.range(position, position + ids.length).toArray();
                    Tensor logits = model.forwardLast(ops.tensor(ids, Shape.of(1, ids.length)),
                            ops.tensor(at, Shape.of(1, ids.length)), null, cache);
                    answer[t] = argmax(logits.toFloatArray());
                }
                position += ids.length;
                ids = new int[] {answer[t]};
            }
        }
        return answer;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static void awaitAnswers(AtomicInteger answered, int more) throws InterruptedException {
        int until = answered.get() + more;
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (answered.get() < until) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server stopped answering at " + answered.get());
            }
            Thread.sleep(5);
        }
    }

    private static final int VOCAB = 61;

    /** A Llama of two layers with grouped-query attention, initialized wide enough for clear argmaxes. */
    private static ModelConfig config() {
        return new ModelConfig(Map.ofEntries(
                Map.entry("architectures", List.of("LlamaForCausalLM")), Map.entry("model_type", "llama"),
                Map.entry("vocab_size", VOCAB), Map.entry("hidden_size", 48), Map.entry("intermediate_size", 96),
                Map.entry("num_hidden_layers", 2), Map.entry("num_attention_heads", 4),
                Map.entry("num_key_value_heads", 2), Map.entry("max_position_embeddings", 64),
                Map.entry("rms_norm_eps", 1e-5), Map.entry("rope_theta", 10000.0),
                Map.entry("initializer_range", 0.3), Map.entry("tie_word_embeddings", false)), "HotSwapTest");
    }

    private static int[][] prompts(int count, long seed) {
        Random random = new Random(seed);
        int[][] prompts = new int[count][];
        for (int i = 0; i < count; i++) {
            prompts[i] = random.ints(3 + random.nextInt(6), 0, VOCAB).toArray();
        }
        return prompts;
    }
}
