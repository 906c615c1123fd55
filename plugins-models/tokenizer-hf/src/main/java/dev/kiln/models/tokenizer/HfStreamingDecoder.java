package dev.kiln.models.tokenizer;

import dev.kiln.api.tokenizer.StreamingDecoder;

/**
 * Decodes ids one at a time, as the tokenizers crate's {@code DecodeStream}: it keeps the ids
 * since the text last emitted as context, decodes context plus new ids, and emits what comes
 * after the context's own text. Context is needed because decoders treat the first token apart
 * (Metaspace and Strip drop its leading space) and because a character can be split over
 * several tokens. Unlike the crate, which waits while the text ends in U+FFFD, it asks the
 * decoders whether bytes of a character are still missing, so complete text is emitted at once
 * and a real U+FFFD in the text is not held back.
 *
 * <p>The concatenation of what {@link #push} and {@link #flush} return is the full decode of the
 * ids, for every id sequence in which byte-fallback runs are valid UTF-8 (every sequence the
 * tokenizer's encode gives). For a run with invalid bytes, {@code decode} replaces every byte of
 * the run, as the crate does, while the stream has already emitted the valid characters before
 * the bad byte.
 */
final class HfStreamingDecoder implements StreamingDecoder {

    private final HfTokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private final IntList ids = new IntList();
    /** The text of {@code ids[0, prefixIndex)}, already emitted. */
    private String prefix = "";
    private int prefixIndex;

    HfStreamingDecoder(HfTokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    @Override
    public String push(int id) {
        ids.add(id);
        Decoder.Tail tail = new Decoder.Tail();
        String text = tokenizer.decode(ids, 0, ids.size(), skipSpecialTokens, tail);
        if (text.length() <= prefix.length()) {
            return "";
        }
        // The text starts with the prefix, except after a byte-fallback run turned invalid;
        // then the characters past the emitted length are the best that can still be given.
        String out = text.substring(prefix.length());
        if (tail.held) {
            // Part of a character is pending: the context stays as it is, and what was emitted
            // now becomes part of its text.
            prefix = text;
            return out;
        }
        // Everything decoded is out: the ids since the last context become the new context.
        ids.dropFirst(prefixIndex);
        prefixIndex = ids.size();
        prefix = tokenizer.decode(ids, 0, ids.size(), skipSpecialTokens, new Decoder.Tail());
        return out;
    }

    @Override
    public String flush() {
        String text = tokenizer.decode(ids, 0, ids.size(), skipSpecialTokens, null);
        String out = text.length() <= prefix.length() ? "" : text.substring(prefix.length());
        ids.clear();
        prefix = "";
        prefixIndex = 0;
        return out;
    }
}
