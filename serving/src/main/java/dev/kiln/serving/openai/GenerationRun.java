package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.serving.engine.Engine;
import dev.kiln.serving.engine.QueueFullException;
import dev.kiln.serving.engine.Submission;
import dev.kiln.serving.http.ApiError;
import dev.kiln.serving.http.SseStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One request's generation: a submission per prompt, all reporting to one queue, their choices
 * numbered prompt by prompt ({@code prompt * n + i}, as OpenAI numbers the choices of a batch of
 * prompts). It either collects every choice's outcome, or streams them as they come; a client
 * that goes away cancels it, which frees its slots at the next token boundary.
 */
final class GenerationRun {

    /** How long a stream waits for a token before it checks, with a comment, that the client is still there. */
    private static final long HEARTBEAT_SECONDS = 1;

    private final Engine engine;
    private final List<Submission> submissions = new ArrayList<>();
    private final BlockingQueue<Submission.Event> events = new LinkedBlockingQueue<>();
    private final int choices;
    private final int promptTokens;

    /**
     * @param choices per prompt, the parameters of each of its choices
     * @param adapter the engine's adapter id, or {@link Engine#BASE_MODEL}
     */
    GenerationRun(Engine engine, List<int[]> prompts, List<List<SamplingParams>> choices, int adapter) {
        this.engine = engine;
        int number = 0;
        int tokens = 0;
        for (int p = 0; p < prompts.size(); p++) {
            submissions.add(new Submission(prompts.get(p), choices.get(p), number, events, adapter));
            number += choices.get(p).size();
            tokens += prompts.get(p).length;
        }
        this.choices = number;
        this.promptTokens = tokens;
    }

    int choices() {
        return choices;
    }

    int promptTokens() {
        return promptTokens;
    }

    /** Queues the submissions. @throws ApiError 429 when the queue is full, 503 when shutting down */
    void submit() {
        try {
            engine.submit(submissions);
        } catch (QueueFullException e) {
            throw ApiError.overloaded(e.getMessage() + "; retry later.", 1);
        } catch (IllegalStateException e) {
            throw ApiError.unavailable(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), "n");
        }
    }

    void cancel() {
        submissions.forEach(engine::cancel);
    }

    /** Waits for every choice. @throws ApiError 500 when the engine failed the request */
    Outcome[] collect() throws InterruptedException {
        Outcome[] outcomes = new Outcome[choices];
        StringBuilder[] texts = new StringBuilder[choices];
        for (int c = 0; c < choices; c++) {
            texts[c] = new StringBuilder();
        }
        int done = 0;
        try {
            while (done < choices) {
                switch (events.take()) {
                    case Submission.Token t -> texts[t.choice()].append(t.text());
                    case Submission.Finished f -> {
                        outcomes[f.choice()] = new Outcome(texts[f.choice()].append(f.text()).toString(),
                                f.result());
                        done++;
                    }
                    case Submission.Failed failed -> throw ApiError.serverError(failed.message());
                }
            }
            return outcomes;
        } catch (InterruptedException | RuntimeException e) {
            cancel();
            throw e;
        }
    }

    /**
     * Streams the choices' chunks as the engine produces them, then the usage chunk when asked
     * for, then {@code [DONE]}. A failed write means the client is gone: the run is cancelled.
     */
    void stream(SseStream sse, StreamFormat format, boolean includeUsage) throws InterruptedException {
        try {
            for (ObjectNode chunk : format.opening(choices)) {
                sse.send(chunk);
            }
            int done = 0;
            int completionTokens = 0;
            while (done < choices) {
                Submission.Event event = events.poll(HEARTBEAT_SECONDS, TimeUnit.SECONDS);
                switch (event) {
                    case null -> sse.comment("waiting");
                    case Submission.Token t -> {
                        ObjectNode chunk = format.token(t.choice(), t.text(), t.logprobs());
                        if (chunk != null) {
                            sse.send(chunk);
                        }
                    }
                    case Submission.Finished f -> {
                        for (ObjectNode chunk : format.finish(f.choice(), f.text(), f.result())) {
                            sse.send(chunk);
                        }
                        completionTokens += f.result().completionTokens();
                        done++;
                    }
                    case Submission.Failed failed -> {
                        cancel();
                        sse.send(ApiError.serverError(failed.message()).body());
                        sse.done();
                        return;
                    }
                }
            }
            if (includeUsage) {
                sse.send(format.usage(new Usage(promptTokens, completionTokens)));
            }
            sse.done();
        } catch (IOException clientGone) {
            cancel();
        } catch (InterruptedException | RuntimeException e) {
            cancel();
            throw e;
        }
    }

    /** The fields every response and chunk of an endpoint starts with. */
    static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode head = JsonNodeFactory.instance.objectNode();
        head.put("id", id);
        head.put("object", object);
        head.put("created", created);
        head.put("model", model);
        return head;
    }

    /**
     * One streamed chunk with one choice: {@code index}, what {@code content} puts in (a chat's
     * {@code delta}, a completion's {@code text}), {@code logprobs} and {@code finish_reason}; a
     * null {@code usage} too when the stream asked for usage (OpenAI sends it on every chunk).
     */
    static ObjectNode choiceChunk(String id, String object, long created, String model, boolean includeUsage,
            int index, Consumer<ObjectNode> content, ObjectNode logprobs, String finishReason) {
        ObjectNode chunk = head(id, object, created, model);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        content.accept(choice);
        choice.set("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    /** The closing chunk of a stream that asked for {@code stream_options.include_usage}. */
    static ObjectNode usageChunk(String id, String object, long created, String model, Usage usage) {
        ObjectNode chunk = head(id, object, created, model);
        chunk.putArray("choices");
        chunk.set("usage", usage.json());
        return chunk;
    }
}
