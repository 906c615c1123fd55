package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.core.generate.Logprob;
import dev.kiln.core.generate.TokenLogprobs;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Log-probabilities as the OpenAI API reports them, each token as its own decoded text (as vLLM
 * reports it; a token that is part of a character decodes to U+FFFD): the chat format's
 * {@code logprobs.content} entries, and the legacy completions format's parallel lists.
 */
final class TokenTexts {

    /** What JSON cannot hold (-inf) is reported as vLLM does. */
    private static final double FLOOR = -9999.0;

    private final Tokenizer tokenizer;

    TokenTexts(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    String text(int tokenId) {
        return tokenizer.decode(new int[] {tokenId}, false);
    }

    /** {@code {"content": [...]}} of a chat choice. */
    ObjectNode chat(List<TokenLogprobs> tokens) {
        ObjectNode logprobs = JsonNodeFactory.instance.objectNode();
        ArrayNode content = logprobs.putArray("content");
        for (TokenLogprobs token : tokens) {
            ObjectNode entry = entry(token.chosen());
            ArrayNode top = entry.putArray("top_logprobs");
            token.top().forEach(alternative -> top.add(entry(alternative)));
            content.add(entry);
        }
        return logprobs;
    }

    private ObjectNode entry(Logprob logprob) {
        String text = text(logprob.tokenId());
        ObjectNode entry = JsonNodeFactory.instance.objectNode();
        entry.put("token", text);
        entry.put("logprob", finite(logprob.logprob()));
        ArrayNode bytes = entry.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        return entry;
    }

    /**
     * The legacy completions' {@code logprobs}: {@code tokens}, {@code token_logprobs},
     * {@code top_logprobs} (token text to log-prob) and {@code text_offset} (where each token's
     * text starts, counted from {@code offset}).
     */
    ObjectNode legacy(List<TokenLogprobs> tokens, int offset) {
        ObjectNode logprobs = JsonNodeFactory.instance.objectNode();
        ArrayNode texts = logprobs.putArray("tokens");
        ArrayNode values = logprobs.putArray("token_logprobs");
        ArrayNode tops = logprobs.putArray("top_logprobs");
        ArrayNode offsets = logprobs.putArray("text_offset");
        int at = offset;
        for (TokenLogprobs token : tokens) {
            String text = text(token.chosen().tokenId());
            texts.add(text);
            values.add(finite(token.chosen().logprob()));
            ObjectNode top = tops.addObject();
            for (Logprob alternative : token.top()) {
                top.put(text(alternative.tokenId()), finite(alternative.logprob()));
            }
            offsets.add(at);
            at += text.length();
        }
        return logprobs;
    }

    /** The length of the text {@link #legacy} counts for these tokens. */
    int length(List<TokenLogprobs> tokens) {
        int length = 0;
        for (TokenLogprobs token : tokens) {
            length += text(token.chosen().tokenId()).length();
        }
        return length;
    }

    private static double finite(double logprob) {
        return Double.isFinite(logprob) ? logprob : FLOOR;
    }
}
