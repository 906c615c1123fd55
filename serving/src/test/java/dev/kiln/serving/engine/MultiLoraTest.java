package dev.kiln.serving.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.core.generate.GenerationListener;
import dev.kiln.core.generate.GenerationRequest;
import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.Generator;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.core.infer.ChatModel;
import dev.kiln.models.safetensors.SafetensorsFormat;
import dev.kiln.serving.TinyAdapters;
import dev.kiln.serving.TinyModels;
import dev.kiln.serving.metrics.Metrics;
import dev.kiln.tuners.lora.LoraTuner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several LoRA adapters served at once over one base model: in one batch, rows of the base
 * model and of two adapters each generate what their model generates alone. The expected
 * tokens come from separate copies of the model with the adapter put on by the lora tuner
 * itself (its layers wrapping the base directly) and kernel-core's Generator.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiLoraTest {

    private final TensorOps ops = TinyModels.ops();
    private final Tuner lora = new LoraTuner(List.of(new SafetensorsFormat()));
    private ChatModel served;
    private int[] prompt;

    @TempDir
    Path dir;

    @BeforeAll
    void load() {
        served = TinyModels.llama(ops);
        prompt = served.tokenizer().encode("Adapters on one base model", true);
    }

    @AfterAll
    void close() {
        served.close();
    }

    @Test
    void rowsOfTheBaseAndOfTwoAdaptersDecodeTogetherAsEachAlone() throws Exception {
        Path first = writeAdapter(dir.resolve("first"), 1);
        Path second = writeAdapter(dir.resolve("second"), 2);
        SamplingParams greedy = SamplingParams.greedy().toBuilder().maxNewTokens(16).ignoreEos(true).build();
        int[] base = alone(null, greedy);
        int[] withFirst = alone(first, greedy);
        int[] withSecond = alone(second, greedy);
        assertFalse(Arrays.equals(base, withFirst), "the adapter changes the answer");
        assertFalse(Arrays.equals(withFirst, withSecond), "two adapters answer differently");

        try (Engine engine = new Engine(served.loaded().model(), ops, served.tokenizer(), 4, 128, 8,
                new Metrics(4))) {
            int one = engine.loadAdapter(lora, first);
            int two = engine.loadAdapter(lora, second);
            List<Submission> mixed = new ArrayList<>();
            for (int adapter : new int[] {two, Engine.BASE_MODEL, one, two}) {
                mixed.add(new Submission(prompt, List.of(greedy), 0,
                        new LinkedBlockingQueue<>(), adapter));
            }
            engine.submit(mixed);
            assertArrayEquals(withSecond, tokens(mixed.get(0)), "adapter two in a mixed batch");
            assertArrayEquals(base, tokens(mixed.get(1)), "the base model in a mixed batch");
            assertArrayEquals(withFirst, tokens(mixed.get(2)), "adapter one in a mixed batch");
            assertArrayEquals(withSecond, tokens(mixed.get(3)), "adapter two again");

            engine.unloadAdapter(one);
            Submission baseAgain = new Submission(prompt, List.of(greedy));
            engine.submit(List.of(baseAgain));
            assertArrayEquals(base, tokens(baseAgain), "the base model is untouched by loading and unloading");
            for (LinearLayer layer : served.loaded().model().linearLayers().values()) {
                assertTrue(layer instanceof RoutedLinear, "every layer is routed: " + layer);
            }
        }
    }

    @Test
    void aDoraAdapterServedBesideALoraAndTheBaseAnswersAsItDoesAlone() throws Exception {
        Path plainAdapter = writeAdapter(dir.resolve("plain"), 4);
        Path doraAdapter = TinyAdapters.write(dir.resolve("dora"), served.loaded().model().linearLayers(), 5, -1, true);
        SamplingParams greedy = SamplingParams.greedy().toBuilder().maxNewTokens(16).ignoreEos(true).build();
        int[] base = alone(null, greedy);
        int[] withLora = alone(plainAdapter, greedy);
        int[] withDora = alone(doraAdapter, greedy);
        assertFalse(Arrays.equals(base, withDora), "the DoRA adapter changes the answer");

        try (Engine engine = new Engine(served.loaded().model(), ops, served.tokenizer(), 4, 128, 8,
                new Metrics(4))) {
            int plain = engine.loadAdapter(lora, plainAdapter);
            int scaled = engine.loadAdapter(lora, doraAdapter);
            List<Submission> mixed = new ArrayList<>();
            for (int adapter : new int[] {scaled, Engine.BASE_MODEL, plain}) {
                mixed.add(new Submission(prompt, List.of(greedy), 0, new LinkedBlockingQueue<>(), adapter));
            }
            engine.submit(mixed);
            assertArrayEquals(withDora, tokens(mixed.get(0)), "DoRA in a mixed batch");
            assertArrayEquals(base, tokens(mixed.get(1)), "the base model in a mixed batch");
            assertArrayEquals(withLora, tokens(mixed.get(2)), "LoRA in a mixed batch");
        }
    }

    @Test
    void anAdapterForAnotherModelIsRefusedAndLeavesTheModelServing() throws Exception {
        Path wrong = writeAdapter(dir.resolve("wrong"), 3, 16);
        SamplingParams greedy = SamplingParams.greedy().toBuilder().maxNewTokens(4).ignoreEos(true).build();
        try (Engine engine = new Engine(served.loaded().model(), ops, served.tokenizer(), 2, 64, 2,
                new Metrics(2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.loadAdapter(lora, wrong));
            assertTrue(e.getMessage().contains("an adapter for another model?"), e.getMessage());
            Submission s = new Submission(prompt, List.of(greedy));
            engine.submit(List.of(s));
            assertArrayEquals(alone(null, greedy), tokens(s));
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    /** The prompt's tokens from a copy of the model with the adapter (or none) put on by the tuner. */
    @SuppressWarnings("try")
    private int[] alone(Path adapter, SamplingParams params) throws IOException {
        try (ChatModel copy = TinyModels.llama(ops)) {
            if (adapter != null) {
                lora.load(copy.loaded().model(), adapter, ops);
            }
            try (GradMode off = ops.noGrad()) {
                GenerationResult result = new Generator(copy.loaded().model(), copy.tokenizer(), ops)
                        .generate(List.of(new GenerationRequest(prompt, params)), GenerationListener.NONE)
                        .getFirst();
                return result.tokenIds();
            }
        }
    }

    private static int[] tokens(Submission submission) throws InterruptedException {
        while (true) {
            Submission.Event event = submission.next(60, TimeUnit.SECONDS);
            assertNotNull(event, "no event within a minute");
            if (event instanceof Submission.Finished f) {
                return f.result().tokenIds();
            }
            if (event instanceof Submission.Failed f) {
                throw new AssertionError(f.message());
            }
        }
    }

    private Path writeAdapter(Path directory, long seed) throws IOException {
        return TinyAdapters.write(directory, served.loaded().model().linearLayers(), seed, -1);
    }

    private Path writeAdapter(Path directory, long seed, int wrongIn) throws IOException {
        return TinyAdapters.write(directory, served.loaded().model().linearLayers(), seed, wrongIn);
    }
}
