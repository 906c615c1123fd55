package dev.kiln.core.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SamplingParamsTest {

    @TempDir
    Path dir;

    @Test
    void outOfRangeValuesAreRefusedWithTheRule() {
        assertRefused("top_p must be in (0, 1], got 1.5", () -> SamplingParams.builder().topP(1.5).build());
        assertRefused("top_p must be in (0, 1], got 0.0", () -> SamplingParams.builder().topP(0).build());
        assertRefused("temperature must be >= 0, got -0.1", () -> SamplingParams.builder().temperature(-0.1).build());
        assertRefused("top_k must be >= 0 (0 for no limit), got -2", () -> SamplingParams.builder().topK(-2).build());
        assertRefused("min_p must be in [0, 1], got 2.0", () -> SamplingParams.builder().minP(2).build());
        assertRefused("repetition_penalty must be > 0, got 0.0",
                () -> SamplingParams.builder().repetitionPenalty(0).build());
        assertRefused("presence_penalty must be in [-2, 2], got 2.5",
                () -> SamplingParams.builder().presencePenalty(2.5).build());
        assertRefused("frequency_penalty must be in [-2, 2], got NaN",
                () -> SamplingParams.builder().frequencyPenalty(Double.NaN).build());
        assertRefused("max_new_tokens must be >= 1, got 0", () -> SamplingParams.builder().maxNewTokens(0).build());
        assertRefused("top_logprobs must be in [0, 20], got 21",
                () -> SamplingParams.builder().topLogprobs(21).build());
        assertRefused("a stop string must not be empty, got \"\"",
                () -> SamplingParams.builder().stopStrings(List.of("")).build());
    }

    private static void assertRefused(String message, Supplier<SamplingParams> build) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, build::get).getMessage());
    }

    @Test
    void buildsAndRebuilds() {
        SamplingParams p = SamplingParams.builder().temperature(0.7).topK(-1).topP(0.9).seed(3L)
                .stopStrings(List.of("\n\n")).stopTokenIds(Set.of(2)).build();
        assertEquals(0, p.topK(), "vLLM's -1 means no limit");
        assertFalse(p.isGreedy());
        SamplingParams greedy = p.toBuilder().temperature(0).build();
        assertTrue(greedy.isGreedy());
        assertEquals(p.stopStrings(), greedy.stopStrings());
        assertEquals(3L, greedy.seed());
        assertTrue(SamplingParams.greedy().isGreedy());
        assertEquals(SamplingParams.DEFAULT_MAX_NEW_TOKENS, SamplingParams.greedy().maxNewTokens());
    }

    @Test
    void readsGenerationConfig() throws IOException {
        Files.writeString(dir.resolve("generation_config.json"), """
                {"bos_token_id": 151643, "pad_token_id": 151643, "do_sample": true,
                 "eos_token_id": [151645, 151643], "repetition_penalty": 1.05,
                 "temperature": 0.7, "top_p": 0.8, "top_k": 20, "transformers_version": "4.37.0"}""");
        GenerationConfig config = GenerationConfig.read(dir);
        assertEquals(List.of(151645, 151643), config.eosTokenIds());
        assertEquals(151643, config.bosTokenId());
        assertEquals(true, config.doSample());
        assertNull(config.minP());
        SamplingParams p = config.samplingDefaults();
        assertEquals(0.7, p.temperature());
        assertEquals(20, p.topK());
        assertEquals(0.8, p.topP());
        assertEquals(1.05, p.repetitionPenalty());
        assertEquals(Set.of(151645, 151643), p.stopTokenIds());
    }

    @Test
    void withoutDoSampleTheDefaultsAreGreedyAsInTransformers() throws IOException {
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"eos_token_id\": 2, \"temperature\": 0.6, \"max_new_tokens\": 64}");
        GenerationConfig config = GenerationConfig.read(dir);
        assertEquals(List.of(2), config.eosTokenIds());
        SamplingParams p = config.samplingDefaults();
        assertTrue(p.isGreedy());
        assertEquals(64, p.maxNewTokens());

        Files.writeString(dir.resolve("generation_config.json"), "{\"do_sample\": true}");
        SamplingParams sampled = GenerationConfig.read(dir).samplingDefaults();
        assertEquals(1.0, sampled.temperature());
        assertEquals(50, sampled.topK(), "transformers' default top_k");
    }

    @Test
    void aMissingFileSaysNothing() {
        assertEquals(GenerationConfig.EMPTY, GenerationConfig.read(dir));
        assertTrue(GenerationConfig.EMPTY.samplingDefaults().stopTokenIds().isEmpty());
    }

    @Test
    void aMalformedFieldIsNamed() throws IOException {
        Path file = dir.resolve("generation_config.json");
        Files.writeString(file, "{\"eos_token_id\": \"</s>\"}");
        assertEquals(file + ": 'eos_token_id' must be a token id or a list of token ids, not </s>",
                assertThrows(IllegalArgumentException.class, () -> GenerationConfig.read(dir)).getMessage());
        Files.writeString(file, "{\"top_k\": 2.5}");
        assertEquals(file + ": 'top_k' must be an integer, not 2.5",
                assertThrows(IllegalArgumentException.class, () -> GenerationConfig.read(dir)).getMessage());
        Files.writeString(file, "{\"do_sample\": true,}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerationConfig.read(dir))
                .getMessage().startsWith(file + ": malformed JSON"));
    }
}
