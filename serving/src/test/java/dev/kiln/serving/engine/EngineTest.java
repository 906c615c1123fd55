package dev.kiln.serving.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.generate.FinishReason;
import dev.kiln.core.generate.GenerationListener;
import dev.kiln.core.generate.GenerationRequest;
import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.Generator;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.core.infer.ChatModel;
import dev.kiln.serving.TinyModels;
import dev.kiln.serving.metrics.Metrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Continuous batching on the tiny Llama: what a sequence generates does not depend on what runs
 * beside it. The expected tokens come from kernel-core's {@link Generator}, which generates
 * every prompt alone with an ordinary KV cache; the engine must give the same tokens whether a
 * prompt runs alone or joins a batch that is already decoding, with requests queued behind it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineTest {

    private static final String[] PROMPTS = {
        "Hello there", "The quick brown fox jumps over the lazy dog", "1 2 3",
        "Once upon a time, in a land far away, there lived", "Kiln", "What is the capital of France?"};

    private final TensorOps ops = TinyModels.ops();
    private ChatModel chat;
    private final List<int[]> prompts = new ArrayList<>();

    @BeforeAll
    void load() {
        chat = TinyModels.llama(ops);
        for (String prompt : PROMPTS) {
            prompts.add(chat.tokenizer().encode(prompt, true));
        }
    }

    @AfterAll
    void close() {
        chat.close();
    }

    @Test
    void greedyOutputIsTheSameAloneAndInABusyBatch() throws Exception {
        SamplingParams greedy = SamplingParams.greedy().toBuilder().maxNewTokens(20).ignoreEos(true).build();
        List<int[]> expected = new ArrayList<>();
        for (int[] prompt : prompts) {
            expected.add(alone(prompt, greedy).tokenIds());
        }
        try (Engine engine = engine(4, 128, 16)) {
            Submission solo = new Submission(prompts.get(0), List.of(greedy));
            engine.submit(List.of(solo));
            assertArrayEquals(expected.get(0), results(solo)[0].tokenIds(), "prompt 0 alone");

            // five prompts for four slots: one waits; prompt 0 joins while they decode
            List<Submission> busy = new ArrayList<>();
            for (int p = 1; p < prompts.size(); p++) {
                busy.add(new Submission(prompts.get(p), List.of(greedy)));
            }
            engine.submit(busy);
            List<Integer> seen = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                seen.add(assertInstanceOf(Submission.Token.class, busy.get(0).next(30, TimeUnit.SECONDS)).tokenId());
            }
            Submission joining = new Submission(prompts.get(0), List.of(greedy));
            engine.submit(List.of(joining));
            assertArrayEquals(expected.get(0), results(joining)[0].tokenIds(), "prompt 0 joining a busy batch");
            for (int p = 1; p < prompts.size(); p++) {
                GenerationResult result = results(busy.get(p - 1), p == 1 ? seen : List.of())[0];
                assertArrayEquals(expected.get(p), result.tokenIds(), "prompt " + p + " in the batch");
                assertEquals(FinishReason.LENGTH, result.finishReason());
            }
        }
    }

    @Test
    void eachSeededChoiceSamplesAsItsSeedDoesAlone() throws Exception {
        SamplingParams sampled = SamplingParams.builder().temperature(1.0).maxNewTokens(12).ignoreEos(true).build();
        int[] prompt = prompts.get(1);
        List<SamplingParams> choices = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            choices.add(sampled.toBuilder().seed(40L + i).build());
        }
        List<int[]> expected = new ArrayList<>();
        for (SamplingParams choice : choices) {
            expected.add(alone(prompt, choice).tokenIds());
        }
        assertFalse(Arrays.equals(expected.get(0), expected.get(1)), "different seeds sample differently");
        try (Engine engine = engine(4, 64, 4)) {
            Submission n3 = new Submission(prompt, choices);
            engine.submit(List.of(n3));
            GenerationResult[] results = results(n3);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(expected.get(i), results[i].tokenIds(), "choice " + i);
            }
        }
    }

    @Test
    void aCancelledSubmissionFreesItsSlotAndAFullQueueRefuses() throws Exception {
        SamplingParams endless = SamplingParams.greedy().toBuilder().maxNewTokens(1000).ignoreEos(true).build();
        SamplingParams shortOne = SamplingParams.greedy().toBuilder().maxNewTokens(3).ignoreEos(true).build();
        try (Engine engine = engine(1, 1024, 1)) {
            Submission first = new Submission(prompts.get(0), List.of(endless));
            engine.submit(List.of(first));
            assertInstanceOf(Submission.Token.class, first.next(30, TimeUnit.SECONDS));
            awaitRunning(engine, 1);
            Submission queued = new Submission(prompts.get(2), List.of(shortOne));
            engine.submit(List.of(queued));
            QueueFullException full = assertThrows(QueueFullException.class,
                    () -> engine.submit(List.of(new Submission(prompts.get(3), List.of(shortOne)))));
            assertTrue(full.getMessage().contains("1 requests are waiting for one of 1 slots"), full.getMessage());

            engine.cancel(first);
            GenerationResult result = results(queued)[0];
            awaitRunning(engine, 0);
            assertEquals(3, result.completionTokens(), "the queued request got the slot");
            assertEquals(FinishReason.LENGTH, result.finishReason());
            assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(List.of(new Submission(prompts.get(0), List.of(shortOne, shortOne)))),
                    "two choices never fit one slot");
        }
    }

    @Test
    void aSequenceEndsWhenItsSlotIsFull() throws Exception {
        int[] prompt = prompts.get(1);
        SamplingParams tooLong = SamplingParams.greedy().toBuilder().maxNewTokens(100).ignoreEos(true).build();
        try (Engine engine = engine(2, prompt.length + 5, 2)) {
            Submission s = new Submission(prompt, List.of(tooLong));
            engine.submit(List.of(s));
            GenerationResult result = results(s)[0];
            assertEquals(6, result.completionTokens(), "5 tokens fed after the prompt, and the one chosen last");
            assertEquals(FinishReason.LENGTH, result.finishReason());
        }
    }

    @Test
    @SuppressWarnings("try")
    void anEmbeddingIsTheNormalizedMeanOfTheLastHiddenStates() throws Exception {
        int[] ids = prompts.get(3);
        double[] mean;
        try (GradMode off = ops.noGrad(); TensorScope scope = ops.scope()) {
            int[] positions = new int[ids.length];
            Arrays.setAll(positions, i -> i);
            float[] hidden = chat.loaded().model().hiddenStates(ops.tensor(ids, Shape.of(1, ids.length)),
                    ops.tensor(positions, Shape.of(1, ids.length)), null).toFloatArray();
            int width = hidden.length / ids.length;
            mean = new double[width];
            for (int i = 0; i < hidden.length; i++) {
                mean[i % width] += hidden[i] / ids.length;
            }
        }
        double norm = Math.sqrt(Arrays.stream(mean).map(v -> v * v).sum());
        try (Engine engine = engine(2, 64, 2)) {
            float[] embedding = engine.embed(ids);
            assertEquals(mean.length, embedding.length);
            for (int i = 0; i < mean.length; i++) {
                assertEquals(mean[i] / norm, embedding[i], 1e-5, "dimension " + i);
            }
            assertFalse(Arrays.equals(embedding, engine.embed(Arrays.copyOf(ids, 3))));
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    /** Waits until the engine reports {@code sequences} running (it publishes after each step). */
    private static void awaitRunning(Engine engine, int sequences) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (engine.runningSequences() != sequences && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(sequences, engine.runningSequences());
    }

    private Engine engine(int slots, int capacity, int queue) {
        return new Engine(chat.loaded().model(), ops, chat.tokenizer(), slots, capacity, queue, new Metrics(slots));
    }

    /** The prompt continued by kernel-core's Generator, alone, with an ordinary KV cache. */
    private GenerationResult alone(int[] prompt, SamplingParams params) {
        return new Generator(chat.loaded().model(), chat.tokenizer(), ops)
                .generate(List.of(new GenerationRequest(prompt, params)), GenerationListener.NONE).getFirst();
    }

    private static GenerationResult[] results(Submission submission) throws InterruptedException {
        return results(submission, List.of());
    }

    /**
     * Every choice's result, after checking that its streamed tokens are its result's tokens
     * ({@code seen}: choice 0's tokens the test took already).
     */
    private static GenerationResult[] results(Submission submission, List<Integer> seen)
            throws InterruptedException {
        GenerationResult[] results = new GenerationResult[submission.choices()];
        List<List<Integer>> streamed = new ArrayList<>();
        for (int c = 0; c < results.length; c++) {
            streamed.add(new ArrayList<>(c == 0 ? seen : List.of()));
        }
        int done = 0;
        while (done < results.length) {
            Submission.Event event = submission.next(60, TimeUnit.SECONDS);
            assertNotNull(event, "no event within a minute");
            switch (event) {
                case Submission.Token t -> streamed.get(t.choice()).add(t.tokenId());
                case Submission.Finished f -> {
                    results[f.choice()] = f.result();
                    done++;
                }
                case Submission.Failed f -> throw new AssertionError("failed: " + f.message());
            }
        }
        for (int c = 0; c < results.length; c++) {
            assertArrayEquals(streamed.get(c).stream().mapToInt(Integer::intValue).toArray(),
                    results[c].tokenIds(), "choice " + c + " streamed its tokens");
        }
        return results;
    }
}
