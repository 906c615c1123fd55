package dev.kiln.core.data;

import dev.kiln.api.tokenizer.Tokenizer;

/**
 * Maps character positions of a text to its tokens without offsets: the text before position
 * {@code c} is tokenized, and where its tokens are a prefix of the whole text's, {@code c} falls
 * between tokens. Where they part, the token at the first difference straddles {@code c}; that
 * token overlaps both sides and, as transformers' {@code char_to_token} masks do, counts as part
 * of the span on either side.
 */
final class TokenBoundaries {

    private final Tokenizer tokenizer;
    private final String text;
    private final int[] ids;
    private final boolean addSpecialTokens;

    TokenBoundaries(Tokenizer tokenizer, String text, int[] ids, boolean addSpecialTokens) {
        this.tokenizer = tokenizer;
        this.text = text;
        this.ids = ids;
        this.addSpecialTokens = addSpecialTokens;
    }

    /** The first token overlapping characters from {@code start} on. */
    int firstTokenFrom(int start) {
        return commonPrefix(start);
    }

    /** One past the last token overlapping characters before {@code end}. */
    int endTokenThrough(int end) {
        if (end >= text.length()) {
            return ids.length;
        }
        int[] before = tokenizer.encode(text.substring(0, end), addSpecialTokens);
        int common = common(before);
        return common == before.length ? common : Math.min(common + 1, ids.length);
    }

    private int commonPrefix(int position) {
        if (position == 0) {
            return 0;
        }
        return common(tokenizer.encode(text.substring(0, position), addSpecialTokens));
    }

    private int common(int[] before) {
        int n = Math.min(before.length, ids.length);
        int i = 0;
        while (i < n && before[i] == ids[i]) {
            i++;
        }
        return i;
    }
}
