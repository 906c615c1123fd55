package dev.kiln.core.generate;

import dev.kiln.api.tokenizer.StreamingDecoder;
import dev.kiln.api.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One request's completion as it is generated: chooses each token from its row of logits,
 * decodes it into text, checks stop tokens, stop strings and max_new_tokens, and tells the
 * listener. {@link Generator} runs a batch of them; a serving scheduler runs each in the cache
 * slot it has, and feeds it the logits of that slot's row. Not thread-safe.
 */
public final class Sequence {

    private final int row;
    private final GenerationRequest request;
    private final GenerationListener listener;
    private final TokenSampler sampler;
    private final StreamingDecoder decoder;
    private final CompletionText text;
    private final Set<Integer> stopTokenIds;
    private int[] tokens = new int[16];
    private int length;
    private final List<TokenLogprobs> logprobs = new ArrayList<>();
    private GenerationResult result;

    /**
     * @param row the number the listener is told with each token
     * @param vocabSize the width of the logits rows {@link #step} reads
     */
    public Sequence(int row, GenerationRequest request, Tokenizer tokenizer, int vocabSize, GenerationListener listener) {
        this.row = row;
        this.request = request;
        this.listener = listener;
        SamplingParams params = request.params();
        this.sampler = new TokenSampler(params, request.promptIds(), vocabSize);
        this.decoder = tokenizer.streamingDecoder(true);
        this.text = new CompletionText(params.stopStrings());
        this.stopTokenIds = new HashSet<>(params.stopTokenIds());
        if (!params.ignoreEos()) {
            stopTokenIds.addAll(tokenizer.specialTokens().eos());
        }
    }

    public boolean finished() {
        return result != null;
    }

    /** The token generated last, which the next step feeds to the model. */
    public int lastToken() {
        return tokens[length - 1];
    }

    /** Chooses the next token from {@code logits[offset, offset + vocab)}. */
    public void step(float[] logits, int offset, int vocab) {
        TokenSampler.Choice choice = sampler.choose(logits, offset, vocab);
        int token = choice.token();
        sampler.accept(token);
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, length * 2);
        }
        tokens[length++] = token;
        if (choice.logprobs() != null) {
            logprobs.add(choice.logprobs());
        }
        if (stopTokenIds.contains(token)) {
            listener.onToken(row, token, "", choice.logprobs());
            finish(FinishReason.STOP);
            return;
        }
        listener.onToken(row, token, text.append(decoder.push(token)), choice.logprobs());
        if (text.stopped()) {
            finish(FinishReason.STOP);
        } else if (length >= request.params().maxNewTokens()) {
            finish(FinishReason.LENGTH);
        }
    }

    /** Ends the completion because the model's context is full. */
    public void finishForLength() {
        finish(FinishReason.LENGTH);
    }

    /** The completion, once {@link #finished()}; null before. */
    public GenerationResult result() {
        return result;
    }

    private void finish(FinishReason reason) {
        String rest = "";
        if (!text.stopped()) {
            // bytes of an unfinished character become U+FFFD, as a full decode would give them
            rest = text.append(decoder.flush());
            if (text.stopped()) {
                reason = FinishReason.STOP;
            }
        }
        rest += text.finish();
        result = new GenerationResult(Arrays.copyOf(tokens, length), text.text(), reason,
                request.promptIds().length, length, logprobs);
        listener.onFinish(row, rest, result);
    }
}
