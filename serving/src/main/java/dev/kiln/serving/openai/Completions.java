package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.core.generate.TokenLogprobs;
import dev.kiln.serving.http.ApiError;
import dev.kiln.serving.http.Call;
import dev.kiln.serving.http.HttpApi;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/completions}, the legacy text completions: one prompt or a batch of them
 * (strings or token ids), each continued {@code n} times, answered whole or streamed
 * ({@code text_completion} objects either way).
 */
final class Completions implements HttpApi.Handler {

    private final ServedModels models;

    Completions(ServedModels models) {
        this.models = models;
    }

    @Override
    public void handle(Call call) throws IOException, InterruptedException {
        Fields f = Fields.of(call.jsonBody());
        String name = f.requiredString("model");
        JsonNode promptField = f.required("prompt");
        ServedModel model = models.get(name);
        if (f.has("suffix")) {
            throw ApiError.badRequest("Invalid 'suffix': this server does not insert text.", "suffix");
        }
        boolean echo = f.bool("echo").orElse(false);
        SamplingRequest sampling = Requests.sampling(f, SamplingRequest.Kind.COMPLETION, model);
        if (f.has("best_of") && f.integer("best_of", 1, Integer.MAX_VALUE).getAsInt() != sampling.n) {
            throw ApiError.badRequest("Invalid 'best_of': only best_of = n is supported.", "best_of");
        }
        if (echo && sampling.logprobs) {
            throw ApiError.badRequest("Invalid 'echo': the prompt's log-probabilities are not"
                    + " computed; use echo without logprobs.", "echo");
        }
        List<Prompts.Prompt> prompts = Prompts.parse(promptField, model);
        List<int[]> ids = new ArrayList<>();
        List<List<SamplingParams>> choices = new ArrayList<>();
        List<String> echoes = new ArrayList<>();
        for (Prompts.Prompt prompt : prompts) {
            ids.add(prompt.ids());
            choices.add(Requests.choices(sampling, prompt.ids().length, model, "prompt"));
            for (int i = 0; i < sampling.n; i++) {
                echoes.add(echo ? prompt.text() : "");
            }
        }
        GenerationRun run = new GenerationRun(model.engine(), ids, choices, model.adapter());
        run.submit();
        Format format = new Format(Ids.next("cmpl-"), Ids.now(), name, new TokenTexts(model.tokenizer()),
                sampling.includeUsage, echoes, new int[run.choices()]);
        if (sampling.stream) {
            run.stream(call.eventStream(), format, sampling.includeUsage);
        } else {
            call.json(200, format.response(run.collect(), run.promptTokens(), sampling.logprobs));
        }
    }

    /**
     * The completions' response and chunks.
     *
     * @param echoes per choice, the prompt text that opens it ({@code echo}), else ""
     * @param offsets per choice, where the next token's text starts (streamed log-probabilities)
     */
    private record Format(String id, long created, String model, TokenTexts texts, boolean includeUsage,
            List<String> echoes, int[] offsets) implements StreamFormat {

        ObjectNode response(Outcome[] outcomes, int promptTokens, boolean logprobs) {
            ObjectNode response = GenerationRun.head(id, "text_completion", created, model);
            ArrayNode choices = response.putArray("choices");
            int completionTokens = 0;
            for (int c = 0; c < outcomes.length; c++) {
                GenerationResult result = outcomes[c].result();
                ObjectNode choice = choices.addObject();
                choice.put("index", c);
                choice.put("text", echoes.get(c) + outcomes[c].text());
                choice.set("logprobs", logprobs ? texts.legacy(result.logprobs(), 0) : null);
                choice.put("finish_reason", result.finishReason().apiName());
                completionTokens += result.completionTokens();
            }
            response.set("usage", new Usage(promptTokens, completionTokens).json());
            return response;
        }

        @Override
        public List<ObjectNode> opening(int choices) {
            List<ObjectNode> chunks = new ArrayList<>();
            for (int c = 0; c < choices; c++) {
                if (!echoes.get(c).isEmpty()) {
                    chunks.add(chunk(c, echoes.get(c), null, null));
                }
            }
            return chunks;
        }

        @Override
        public ObjectNode token(int choice, String text, TokenLogprobs logprobs) {
            if (text.isEmpty() && logprobs == null) {
                return null;
            }
            ObjectNode legacy = null;
            if (logprobs != null) {
                legacy = texts.legacy(List.of(logprobs), offsets[choice]);
                offsets[choice] += texts.length(List.of(logprobs));
            }
            return chunk(choice, text, legacy, null);
        }

        @Override
        public List<ObjectNode> finish(int choice, String text, GenerationResult result) {
            return List.of(chunk(choice, text, null, result.finishReason().apiName()));
        }

        @Override
        public ObjectNode usage(Usage usage) {
            return GenerationRun.usageChunk(id, "text_completion", created, model, usage);
        }

        private ObjectNode chunk(int index, String text, ObjectNode logprobs, String finishReason) {
            return GenerationRun.choiceChunk(id, "text_completion", created, model, includeUsage, index,
                    choice -> choice.put("text", text), logprobs, finishReason);
        }
    }
}
