package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.chat.Message;
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
 * {@code POST /v1/chat/completions}: the conversation rendered by the model's chat template,
 * continued {@code n} times, answered whole ({@code chat.completion}) or streamed
 * ({@code chat.completion.chunk} events).
 */
final class ChatCompletions implements HttpApi.Handler {

    private final ServedModels models;

    ChatCompletions(ServedModels models) {
        this.models = models;
    }

    @Override
    public void handle(Call call) throws IOException, InterruptedException {
        Fields f = Fields.of(call.jsonBody());
        String name = f.requiredString("model");
        List<Message> messages = Messages.parse(f.required("messages"));
        ServedModel model = models.get(name);
        SamplingRequest sampling = Requests.sampling(f, SamplingRequest.Kind.CHAT, model);
        int[] prompt;
        try {
            prompt = model.chatPrompt(messages);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("The chat template rejects the messages: " + e.getMessage(), "messages");
        }
        List<SamplingParams> choices = Requests.choices(sampling, prompt.length, model, "messages");
        GenerationRun run = new GenerationRun(model.engine(), List.of(prompt), List.of(choices), model.adapter());
        run.submit();
        Format format = new Format(Ids.next("chatcmpl-"), Ids.now(), name, new TokenTexts(model.tokenizer()),
                sampling.includeUsage);
        if (sampling.stream) {
            run.stream(call.eventStream(), format, sampling.includeUsage);
        } else {
            call.json(200, format.response(run.collect(), run.promptTokens(), sampling.logprobs));
        }
    }

    /** The chat's response and chunks. */
    private record Format(String id, long created, String model, TokenTexts texts, boolean includeUsage)
            implements StreamFormat {

        ObjectNode response(Outcome[] outcomes, int promptTokens, boolean logprobs) {
            ObjectNode response = GenerationRun.head(id, "chat.completion", created, model);
            ArrayNode choices = response.putArray("choices");
            int completionTokens = 0;
            for (int c = 0; c < outcomes.length; c++) {
                GenerationResult result = outcomes[c].result();
                ObjectNode choice = choices.addObject();
                choice.put("index", c);
                ObjectNode message = choice.putObject("message");
                message.put("role", "assistant");
                message.put("content", outcomes[c].text());
                choice.set("logprobs", logprobs ? texts.chat(result.logprobs()) : null);
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
                ObjectNode delta = JsonNodeFactory.instance.objectNode();
                delta.put("role", "assistant");
                delta.put("content", "");
                chunks.add(chunk(c, delta, null, null));
            }
            return chunks;
        }

        @Override
        public ObjectNode token(int choice, String text, TokenLogprobs logprobs) {
            if (text.isEmpty() && logprobs == null) {
                return null;
            }
            ObjectNode delta = JsonNodeFactory.instance.objectNode();
            delta.put("content", text);
            return chunk(choice, delta, logprobs == null ? null : texts.chat(List.of(logprobs)), null);
        }

        @Override
        public List<ObjectNode> finish(int choice, String text, GenerationResult result) {
            List<ObjectNode> chunks = new ArrayList<>();
            if (!text.isEmpty()) {
                chunks.add(token(choice, text, null));
            }
            chunks.add(chunk(choice, JsonNodeFactory.instance.objectNode(), null,
                    result.finishReason().apiName()));
            return chunks;
        }

        @Override
        public ObjectNode usage(Usage usage) {
            return GenerationRun.usageChunk(id, "chat.completion.chunk", created, model, usage);
        }

        private ObjectNode chunk(int index, ObjectNode delta, ObjectNode logprobs, String finishReason) {
            return GenerationRun.choiceChunk(id, "chat.completion.chunk", created, model, includeUsage, index,
                    choice -> choice.set("delta", delta), logprobs, finishReason);
        }
    }
}
