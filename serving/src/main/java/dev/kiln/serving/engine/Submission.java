package dev.kiln.serving.engine;

import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.core.generate.TokenLogprobs;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One prompt to continue {@code n} times (the choices of an OpenAI request), handed from a
 * request thread to the {@link Engine}, and the events the engine sends back: each choice's
 * tokens as they are chosen, then its result. The request thread takes the events from the
 * queue it gave (the submissions of one request, one per prompt, may share one); it
 * {@link Engine#cancel}s when its client is gone, and the engine frees the choices' slots at the
 * next token boundary.
 */
public final class Submission {

    /** What the engine reports, in order, per choice. */
    public sealed interface Event permits Token, Finished, Failed {}

    /**
     * Choice {@code choice} generated {@code tokenId}; {@code text} became final with it (often
     * empty while a character or a possible stop string is incomplete).
     *
     * @param logprobs its log-probabilities when they were asked for, else null
     */
    public record Token(int choice, int tokenId, String text, TokenLogprobs logprobs) implements Event {}

    /** Choice {@code choice} ended; {@code text} is what was held back until now. */
    public record Finished(int choice, String text, GenerationResult result) implements Event {}

    /** The engine could not run the submission; no more events come from it. */
    public record Failed(String message) implements Event {}

    private final int[] promptIds;
    private final List<SamplingParams> choices;
    private final int firstChoice;
    private final BlockingQueue<Event> events;
    private final int adapter;
    private final long arrivalNanos = System.nanoTime();
    private volatile boolean cancelled;

    /** A submission of the base model with its own event queue, its choices numbered from 0. */
    public Submission(int[] promptIds, List<SamplingParams> choices) {
        this(promptIds, choices, 0, new LinkedBlockingQueue<>(), Engine.BASE_MODEL);
    }

    /**
     * @param choices the sampling parameters of each choice (their seeds differ)
     * @param firstChoice the number its first choice has in the events
     * @param events where the events go
     * @param adapter the adapter to generate with ({@link Engine#loadAdapter}'s id), or
     *     {@link Engine#BASE_MODEL}
     */
    public Submission(int[] promptIds, List<SamplingParams> choices, int firstChoice,
            BlockingQueue<Event> events, int adapter) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("a prompt needs at least one token");
        }
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("a submission needs at least one choice");
        }
        this.promptIds = promptIds.clone();
        this.choices = List.copyOf(choices);
        this.firstChoice = firstChoice;
        this.events = events;
        this.adapter = adapter;
    }

    public int promptLength() {
        return promptIds.length;
    }

    /** How many completions of the prompt it asks for: OpenAI's {@code n}. */
    public int choices() {
        return choices.size();
    }

    /** The next event, or null when none came within the timeout. */
    public Event next(long timeout, TimeUnit unit) throws InterruptedException {
        return events.poll(timeout, unit);
    }

    /** Gives the submission up: the engine generates nothing more for it (see {@link Engine#cancel}). */
    void cancel() {
        cancelled = true;
    }

    public boolean cancelled() {
        return cancelled;
    }

    int[] prompt() {
        return promptIds;
    }

    int adapter() {
        return adapter;
    }

    SamplingParams params(int choice) {
        return choices.get(choice);
    }

    /** The number choice {@code choice} has in the events. */
    int number(int choice) {
        return firstChoice + choice;
    }

    long arrivalNanos() {
        return arrivalNanos;
    }

    void emit(Event event) {
        events.add(event);
    }
}
