package dev.kiln.models.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tokenizer.json decoder: token strings back to text. Each works on the list of token strings
 * and returns a list, as the crate's {@code decode_chain}; the results are concatenated.
 */
interface Decoder {

    /**
     * For a decode in the middle of a stream: a character whose bytes have not all arrived is
     * left out, and {@link #held} says so. A full decode passes no tail, and such bytes become
     * U+FFFD.
     */
    final class Tail {
        boolean held;
    }

    List<String> decodeChain(List<String> tokens, Tail tail);

    /**
     * {@code ByteLevel}: each character of a token stands for a byte ({@link ByteLevelAlphabet});
     * a token with a character standing for none (an added token) gives its UTF-8. The bytes of
     * all tokens are decoded together, invalid ones as U+FFFD.
     */
    record ByteLevel() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens, Tail tail) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            for (String t : tokens) {
                byte[] mapped = new byte[t.length()];
                boolean all = true;
                for (int i = 0; i < t.length(); i++) {
                    int b = ByteLevelAlphabet.byteOf(t.charAt(i));
                    if (b < 0) {
                        all = false;
                        break;
                    }
                    mapped[i] = (byte) b;
                }
                bytes.writeBytes(all ? mapped : Utf8.encode(t));
            }
            byte[] b = bytes.toByteArray();
            int end = b.length;
            if (tail != null) {
                int held = Utf8.incompleteTail(b, end);
                if (held > 0) {
                    end -= held;
                    tail.held = true;
                }
            }
            return List.of(Utf8.decodeLossy(b, end));
        }
    }

    /**
     * {@code ByteFallback}: runs of {@code <0x..>} tokens become the text of their bytes, or one
     * U+FFFD per byte when the run is not valid UTF-8.
     */
    record ByteFallback() implements Decoder {

        static int byteOf(String token) {
            if (token.length() == 6 && token.startsWith("<0x") && token.charAt(5) == '>') {
                int hi = hex(token.charAt(3));
                int lo = hex(token.charAt(4));
                if (hi >= 0 && lo >= 0) {
                    return hi * 16 + lo;
                }
            }
            return -1;
        }

        private static int hex(char c) {
            return c < 0x80 ? Character.digit(c, 16) : -1;
        }

        @Override
        public List<String> decodeChain(List<String> tokens, Tail tail) {
            List<String> out = new ArrayList<>(tokens.size());
            byte[] run = new byte[16];
            int n = 0;
            for (String t : tokens) {
                int b = byteOf(t);
                if (b >= 0) {
                    if (n == run.length) {
                        run = java.util.Arrays.copyOf(run, n * 2);
                    }
                    run[n++] = (byte) b;
                } else {
                    if (n > 0) {
                        out.add(run(run, n));
                        n = 0;
                    }
                    out.add(t);
                }
            }
            if (n > 0) {
                if (tail != null) {
                    int held = Utf8.incompleteTail(run, n);
                    if (held > 0) {
                        n -= held;
                        tail.held = true;
                    }
                }
                if (n > 0) {
                    out.add(run(run, n));
                }
            }
            return out;
        }

        private static String run(byte[] run, int n) {
            return Utf8.isValid(run, n) ? Utf8.decodeLossy(run, n) : "\uFFFD".repeat(n);
        }
    }

    /** {@code Fuse}: all tokens into one string. */
    record Fuse() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens, Tail tail) {
            return List.of(String.join("", tokens));
        }
    }

    /** {@code Replace}: in each token, a string or regex pattern by {@code content}. */
    record Replace(Pattern pattern, String content) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens, Tail tail) {
            List<String> out = new ArrayList<>(tokens.size());
            String replacement = Matcher.quoteReplacement(content);
            for (String t : tokens) {
                out.add(pattern.matcher(t).replaceAll(replacement));
            }
            return out;
        }
    }

    /** {@code Strip}: up to {@code start} leading and {@code stop} trailing {@code content} chars of each token. */
    record Strip(int content, int start, int stop) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens, Tail tail) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int from = 0;
                for (int i = 0; i < start && i < cps.length && cps[i] == content; i++) {
                    from = i + 1;
                }
                int to = cps.length;
                for (int i = 0; i < stop && cps.length - i - 1 >= 0; i++) {
                    int index = cps.length - i - 1;
                    if (cps[index] != content) {
                        break;
                    }
                    to = index;
                }
                out.add(from >= to ? "" : new String(cps, from, to - from));
            }
            return out;
        }
    }

    /**
     * {@code Metaspace}: the replacement (▁) becomes a space, except in the first token, where it
     * is dropped unless the prepend scheme is never.
     */
    record Metaspace(String replacement, boolean dropInFirst) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens, Tail tail) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                out.add(tokens.get(i).replace(replacement, i == 0 && dropInFirst ? "" : " "));
            }
            return out;
        }
    }

    /** {@code BPEDecoder}: the end-of-word suffix becomes a space, except at the last token. */
    record BpeSuffix(String suffix) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens, Tail tail) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
            }
            return out;
        }
    }

    /** {@code Sequence}: each decoder on the output of the one before. */
    record Sequence(List<Decoder> decoders) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens, Tail tail) {
            for (Decoder d : decoders) {
                tokens = d.decodeChain(tokens, tail);
            }
            return tokens;
        }
    }
}
