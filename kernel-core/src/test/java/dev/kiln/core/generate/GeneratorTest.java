package dev.kiln.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.tensor.CountingDevice;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The generator on a small real model ({@link TinyCausalLM}) on the engine's reference device. */
class GeneratorTest {

    private static final double LOGPROB_TOLERANCE = 1e-4;

    private final CountingDevice device = new CountingDevice(new ReferenceDevice());
    private final TensorOps ops = new TensorEngine().on(device);
    private final TinyCausalLM model = new TinyCausalLM(ops, ByteTokenizer.VOCAB, 42);
    private final ByteTokenizer tokenizer = new ByteTokenizer();
    private final Generator generator = new Generator(model, tokenizer, ops);

    private static SamplingParams greedy(int maxNewTokens) {
        return SamplingParams.builder().temperature(0).maxNewTokens(maxNewTokens).ignoreEos(true)
                .logprobs(true).topLogprobs(3).build();
    }

    private int[] prompt(String text) {
        return tokenizer.encode(text, false);
    }

    @Test
    void greedyWithTheCacheEqualsGreedyRecomputingTheWholeSequence() {
        int[] prompt = prompt("Hello, Kiln!");
        GenerationResult result = generator.generate(prompt, greedy(24), GenerationListener.NONE);

        List<Integer> sequence = new ArrayList<>(Arrays.stream(prompt).boxed().toList());
        int[] tokens = result.tokenIds();
        for (int step = 0; step < tokens.length; step++) {
            double[] logprobs = LogitsProcessors.logSoftmax(fullForwardLastLogits(sequence));
            int expected = LogitsProcessors.argmax(logprobs);
            assertEquals(expected, tokens[step], "token " + step);
            TokenLogprobs got = result.logprobs().get(step);
            assertEquals(logprobs[expected], got.chosen().logprob(), LOGPROB_TOLERANCE, "logprob " + step);
            sequence.add(expected);
        }
        assertEquals(24, tokens.length);
        assertEquals(24, model.lastOnlyCalls, "a prefill and 23 steps, each on the last positions only");
        assertEquals(FinishReason.LENGTH, result.finishReason());
        assertEquals(prompt.length, result.promptTokens());
        assertEquals(24, result.completionTokens());
    }

    /** The next-token logits of the last position, by a forward over the whole sequence without a cache. */
    @SuppressWarnings("try") // the mode and the scope act by being open
    private double[] fullForwardLastLogits(List<Integer> sequence) {
        int n = sequence.size();
        try (GradMode off = ops.noGrad(); TensorScope scope = ops.scope()) {
            Tensor logits = model.forward(ops.tensor(sequence.stream().mapToInt(i -> i).toArray(), Shape.of(1, n)),
                    ops.tensor(IntStream.range(0, n).toArray(), Shape.of(1, n)), null);
            float[] all = logits.toFloatArray();
            double[] last = new double[ByteTokenizer.VOCAB];
            for (int i = 0; i < last.length; i++) {
                last[i] = all[(n - 1) * ByteTokenizer.VOCAB + i];
            }
            return last;
        }
    }

    @Test
    void batchedRowsEqualTheSamePromptsGeneratedOneAtATime() {
        List<GenerationRequest> requests = List.of(
                new GenerationRequest(prompt("a"), greedy(12)),
                new GenerationRequest(prompt("The quick brown fox"), greedy(16)),
                new GenerationRequest(prompt("Kiln \uD83D\uDD25 é"),
                        greedy(9).toBuilder().repetitionPenalty(1.3).build()));
        List<GenerationResult> batched = generator.generate(requests, GenerationListener.NONE);

        for (int i = 0; i < requests.size(); i++) {
            GenerationResult alone = generator.generate(List.of(requests.get(i)), GenerationListener.NONE).getFirst();
            assertSameCompletion(alone, batched.get(i), "row " + i);
        }
        assertEquals(List.of(12, 16, 9), batched.stream().map(GenerationResult::completionTokens).toList());
    }

    @Test
    void aModelThatCannotMaskPaddingGetsThePromptsOneAtATime() {
        CausalLM unmasked = new WithoutMask(model);
        List<GenerationRequest> requests = List.of(new GenerationRequest(prompt("short"), greedy(6)),
                new GenerationRequest(prompt("a longer prompt"), greedy(6)));
        List<Integer> rowsStreamed = new ArrayList<>();
        List<GenerationResult> results = new Generator(unmasked, tokenizer, ops).generate(requests,
                new GenerationListener() {
                    @Override
                    public void onToken(int row, int tokenId, String text) {
                        rowsStreamed.add(row);
                    }
                });
        List<GenerationResult> masked = generator.generate(requests, GenerationListener.NONE);
        for (int i = 0; i < requests.size(); i++) {
            assertSameCompletion(masked.get(i), results.get(i), "row " + i);
        }
        assertEquals(List.of(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1), rowsStreamed);
    }

    private static void assertSameCompletion(GenerationResult expected, GenerationResult actual, String what) {
        assertArrayEquals(expected.tokenIds(), actual.tokenIds(), what + " tokens");
        assertEquals(expected.text(), actual.text(), what + " text");
        assertEquals(expected.finishReason(), actual.finishReason(), what);
        assertEquals(expected.promptTokens(), actual.promptTokens(), what);
        for (int t = 0; t < expected.logprobs().size(); t++) {
            assertEquals(expected.logprobs().get(t).chosen().logprob(), actual.logprobs().get(t).chosen().logprob(),
                    LOGPROB_TOLERANCE, what + " logprob " + t);
        }
    }

    @Test
    void aStopTokenEndsTheRowAndIsLeftOutOfTheText() {
        int[] prompt = prompt("stop tokens");
        int[] free = generator.generate(prompt, greedy(20), GenerationListener.NONE).tokenIds();
        int at = firstTokenNotSeenBefore(free, 3);
        int stop = free[at];

        GenerationResult byParams = generator.generate(prompt,
                greedy(20).toBuilder().stopTokenIds(Set.of(stop)).build(), GenerationListener.NONE);
        assertArrayEquals(Arrays.copyOf(free, at + 1), byParams.tokenIds());
        assertEquals(FinishReason.STOP, byParams.finishReason());
        assertEquals(at + 1, byParams.completionTokens());
        assertEquals(tokenizer.decode(Arrays.copyOf(free, at), true), byParams.text());

        // the tokenizer's end-of-sequence ids stop too, unless ignore_eos
        Generator eosAware = new Generator(model, new ByteTokenizer(Set.of(stop)), ops);
        SamplingParams plain = SamplingParams.builder().temperature(0).maxNewTokens(20).build();
        assertArrayEquals(Arrays.copyOf(free, at + 1),
                eosAware.generate(prompt, plain, GenerationListener.NONE).tokenIds());
        assertArrayEquals(free, eosAware.generate(prompt, plain.toBuilder().ignoreEos(true).build(),
                GenerationListener.NONE).tokenIds());
    }

    /** The index of the first token at or after {@code from} that did not occur earlier. */
    private static int firstTokenNotSeenBefore(int[] tokens, int from) {
        for (int i = from; i < tokens.length; i++) {
            int token = tokens[i];
            if (Arrays.stream(tokens, 0, i).noneMatch(t -> t == token)) {
                return i;
            }
        }
        throw new AssertionError("no new token after " + from + " in " + Arrays.toString(tokens));
    }

    @Test
    void aStopStringEndsTheRowAndIsLeftOutOfTheText() {
        int[] prompt = prompt("Once upon a time");
        String free = generator.generate(prompt, greedy(40), GenerationListener.NONE).text();
        String stop = stopStringIn(free);
        String expected = free.substring(0, free.indexOf(stop));

        StringBuilder streamed = new StringBuilder();
        GenerationResult result = generator.generate(prompt,
                greedy(40).toBuilder().stopStrings(List.of("never appears", stop)).build(),
                collectInto(streamed));

        assertEquals(expected, result.text());
        assertEquals(expected, streamed.toString());
        assertEquals(FinishReason.STOP, result.finishReason());
        int[] ids = result.tokenIds();
        assertTrue(tokenizer.decode(ids, true).contains(stop), "the last token completes the stop string");
        assertFalse(tokenizer.decode(Arrays.copyOf(ids, ids.length - 1), true).contains(stop));
    }

    /** Two characters of {@code text} past its start that decode unambiguously (not U+FFFD). */
    private static String stopStringIn(String text) {
        for (int i = 4; i + 2 <= text.length(); i++) {
            String candidate = text.substring(i, i + 2);
            if (candidate.chars().noneMatch(c -> c == 0xFFFD || Character.isSurrogate((char) c))
                    && text.indexOf(candidate) == i) {
                return candidate;
            }
        }
        throw new AssertionError("no usable stop string in " + text);
    }

    private static GenerationListener collectInto(StringBuilder text) {
        return new GenerationListener() {
            @Override
            public void onToken(int row, int tokenId, String delta) {
                text.append(delta);
            }

            @Override
            public void onFinish(int row, String rest, GenerationResult result) {
                text.append(rest);
            }
        };
    }

    @Test
    void maxNewTokensEndsTheRowWithLength() {
        GenerationResult result = generator.generate(prompt("abc"), greedy(5), GenerationListener.NONE);
        assertEquals(5, result.completionTokens());
        assertEquals(5, result.tokenIds().length);
        assertEquals(FinishReason.LENGTH, result.finishReason());
        assertEquals(3, result.promptTokens());
    }

    @Test
    void aFullContextEndsTheRowWithLength() {
        int[] prompt = prompt("context");
        Generator small = new Generator(model, tokenizer, ops, prompt.length + 3);
        GenerationResult result = small.generate(prompt, greedy(50), GenerationListener.NONE);
        assertEquals(3, result.completionTokens(), "prompt and completion fill the context of "
                + (prompt.length + 3));
        assertEquals(FinishReason.LENGTH, result.finishReason());
        int[] unlimited = generator.generate(prompt, greedy(3), GenerationListener.NONE).tokenIds();
        assertArrayEquals(unlimited, result.tokenIds());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Generator(model, tokenizer, ops, prompt.length).generate(prompt, greedy(5),
                        GenerationListener.NONE));
        assertEquals("prompt 0 has 7 tokens, which leaves no room to generate in the model's context of 7",
                e.getMessage());
    }

    @Test
    void aSeedMakesSamplingRepeat() {
        SamplingParams sampling = SamplingParams.builder().temperature(1.0).maxNewTokens(20)
                .ignoreEos(true).seed(7L).build();
        int[] prompt = prompt("random");
        int[] first = generator.generate(prompt, sampling, GenerationListener.NONE).tokenIds();
        int[] again = generator.generate(prompt, sampling, GenerationListener.NONE).tokenIds();
        int[] otherSeed = generator.generate(prompt, sampling.toBuilder().seed(8L).build(),
                GenerationListener.NONE).tokenIds();
        int[] greedyTokens = generator.generate(prompt, greedy(20), GenerationListener.NONE).tokenIds();
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, otherSeed), "another seed, another completion");
        assertFalse(Arrays.equals(first, greedyTokens), "sampling is not greedy");
    }

    @Test
    void streamedTextConcatenatesToEachRowsText() {
        List<GenerationRequest> requests = List.of(
                new GenerationRequest(prompt("first row"), greedy(30)),
                new GenerationRequest(prompt("second"), SamplingParams.builder().seed(3L).maxNewTokens(25)
                        .ignoreEos(true).build()));
        Map<Integer, StringBuilder> streamed = new HashMap<>();
        Map<Integer, Integer> tokensStreamed = new HashMap<>();
        List<GenerationResult> finished = new ArrayList<>(List.of(dummy(), dummy()));
        List<GenerationResult> results = generator.generate(requests, new GenerationListener() {
            @Override
            public void onToken(int row, int tokenId, String text) {
                streamed.computeIfAbsent(row, r -> new StringBuilder()).append(text);
                tokensStreamed.merge(row, 1, Integer::sum);
            }

            @Override
            public void onFinish(int row, String text, GenerationResult result) {
                streamed.get(row).append(text);
                finished.set(row, result);
            }
        });
        for (int row = 0; row < 2; row++) {
            GenerationResult result = results.get(row);
            assertEquals(result.text(), streamed.get(row).toString(), "row " + row);
            assertEquals(tokenizer.decode(result.tokenIds(), true), result.text(), "row " + row);
            assertEquals(result.completionTokens(), tokensStreamed.get(row));
            assertEquals(result, finished.get(row));
        }
    }

    private static GenerationResult dummy() {
        return new GenerationResult(new int[0], "", FinishReason.STOP, 0, 0, List.of());
    }

    @Test
    void memoryStaysFlatWhileDecoding() {
        int before = device.liveBuffers();
        List<Integer> live = new ArrayList<>();
        generator.generate(List.of(new GenerationRequest(prompt("memory"), greedy(30)),
                        new GenerationRequest(prompt("and a second row"), greedy(30))),
                new GenerationListener() {
                    @Override
                    public void onToken(int row, int tokenId, String text) {
                        live.add(device.liveBuffers());
                    }
                });
        assertEquals(Set.of(before), Set.copyOf(live), "live buffers at each token");
        assertEquals(before, device.liveBuffers());
    }

    @Test
    void logprobsListTheMostLikelyTokens() {
        GenerationResult result = generator.generate(prompt("logprobs"), greedy(6), GenerationListener.NONE);
        assertEquals(6, result.logprobs().size());
        for (TokenLogprobs step : result.logprobs()) {
            assertEquals(3, step.top().size());
            assertEquals(step.chosen(), step.top().getFirst(), "greedy takes the most likely token");
            assertTrue(step.top().get(0).logprob() >= step.top().get(1).logprob());
            assertTrue(step.top().get(1).logprob() >= step.top().get(2).logprob());
            assertTrue(step.chosen().logprob() <= 0);
        }
        assertTrue(generator.generate(prompt("none"), SamplingParams.greedy().toBuilder().maxNewTokens(2)
                .build(), GenerationListener.NONE).logprobs().isEmpty());
    }

    @Test
    void badPromptsAreRefused() {
        assertEquals("a prompt needs at least one token", assertThrows(IllegalArgumentException.class,
                () -> new GenerationRequest(new int[0], SamplingParams.greedy())).getMessage());
        assertEquals("prompt 1 holds token id 300, outside the model's vocabulary of 258",
                assertThrows(IllegalArgumentException.class, () -> generator.generate(List.of(
                        new GenerationRequest(new int[] {1}, SamplingParams.greedy()),
                        new GenerationRequest(new int[] {1, 300}, SamplingParams.greedy())),
                        GenerationListener.NONE)).getMessage());
        assertNotEquals(List.of(), generator.generate(List.of(
                new GenerationRequest(new int[] {1}, greedy(1))), GenerationListener.NONE));
    }

    /** A model with only the forward without attention mask, as a family that cannot mask padding. */
    private record WithoutMask(CausalLM inner) implements CausalLM {

        @Override
        public ModelConfig config() {
            return inner.config();
        }

        @Override
        public Map<String, Tensor> parameters() {
            return inner.parameters();
        }

        @Override
        public Map<String, LinearLayer> linearLayers() {
            return inner.linearLayers();
        }

        @Override
        public void wrapLinear(String name, UnaryOperator<LinearLayer> wrapper) {
            inner.wrapLinear(name, wrapper);
        }

        @Override
        public KvCache newCache(int batch, int capacity) {
            return inner.newCache(batch, capacity);
        }

        @Override
        public Tensor forward(Tensor inputIds, Tensor positions, KvCache cache) {
            return inner.forward(inputIds, positions, cache);
        }
    }
}
