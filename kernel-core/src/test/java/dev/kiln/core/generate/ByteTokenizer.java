package dev.kiln.core.generate;

import dev.kiln.api.tokenizer.SpecialTokens;
import dev.kiln.api.tokenizer.StreamingDecoder;
import dev.kiln.api.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A byte-level tokenizer for the generator's tests: ids 0-255 are the bytes of UTF-8 text, 256 is
 * {@code <eos>} and 257 {@code <pad>}. Its streaming decoder holds back the bytes of an
 * unfinished character, as a real byte-level BPE's does; invalid bytes become U+FFFD.
 */
final class ByteTokenizer implements Tokenizer {

    static final int EOS = 256;
    static final int PAD = 257;
    static final int VOCAB = 258;

    private final Set<Integer> eos;

    /** {@code <eos>} ends generation. */
    ByteTokenizer() {
        this(Set.of(EOS));
    }

    /** These ids end generation, as a chat model's several end-of-turn tokens. */
    ByteTokenizer(Set<Integer> eos) {
        this.eos = Set.copyOf(eos);
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StreamingDecoder decoder = streamingDecoder(skipSpecialTokens);
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(decoder.push(id));
        }
        return out.append(decoder.flush()).toString();
    }

    @Override
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder() {
            private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

            @Override
            public String push(int id) {
                if (id >= 256) {
                    String text = flush();
                    return skipSpecialTokens ? text : text + (id == EOS ? "<eos>" : "<pad>");
                }
                pending.write(id);
                return decode(false);
            }

            @Override
            public String flush() {
                String text = decode(true);
                utf8.reset();
                return text;
            }

            private String decode(boolean end) {
                ByteBuffer in = ByteBuffer.wrap(pending.toByteArray());
                CharBuffer out = CharBuffer.allocate(in.remaining() * 2 + 2);
                utf8.decode(in, out, end);
                if (end) {
                    utf8.flush(out);
                }
                pending.reset();
                pending.write(in.array(), in.position(), in.remaining());
                return out.flip().toString();
            }
        };
    }

    @Override
    public int vocabSize() {
        return VOCAB;
    }

    @Override
    public OptionalInt tokenId(String token) {
        return OptionalInt.empty();
    }

    @Override
    public Optional<String> token(int id) {
        return Optional.empty();
    }

    @Override
    public SpecialTokens specialTokens() {
        return new SpecialTokens(null, eos, PAD, null);
    }
}
