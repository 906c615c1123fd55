package dev.kiln.models.tokenizer;

import dev.kiln.models.tokenizer.Splitting.Behavior;
import dev.kiln.models.tokenizer.Splitting.Matches;
import dev.kiln.models.tokenizer.Splitting.Split;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** A tokenizer.json pre-tokenizer: cuts normalized text into the words the model sees. */
interface PreTokenizer {

    /** GPT-2's split regex, which the ByteLevel pre-tokenizer uses when {@code use_regex}. */
    String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    List<Split> preTokenize(List<Split> splits);

    /**
     * {@code ByteLevel}: optionally a leading space, optionally GPT-2's split regex, then every
     * UTF-8 byte as its {@link ByteLevelAlphabet} character.
     */
    final class ByteLevel implements PreTokenizer {

        private static final Matches GPT2 = Splitting.regex(OnigRegex.compile(GPT2_PATTERN));

        private final boolean addPrefixSpace;
        private final boolean useRegex;

        ByteLevel(boolean addPrefixSpace, boolean useRegex) {
            this.addPrefixSpace = addPrefixSpace;
            this.useRegex = useRegex;
        }

        @Override
        public List<Split> preTokenize(List<Split> splits) {
            List<Split> words = new ArrayList<>();
            for (Split split : splits) {
                Split s = split;
                // As the crate's NormalizedString::prepend, nothing is prepended to nothing.
                if (addPrefixSpace && !s.text().isEmpty() && !s.text().startsWith(" ")) {
                    s = new Split(" " + s.text(), s.atStart());
                }
                if (useRegex) {
                    Splitting.split(s, GPT2, Behavior.ISOLATED, words);
                } else if (!s.text().isEmpty()) {
                    words.add(s);
                }
            }
            List<Split> out = new ArrayList<>(words.size());
            for (Split w : words) {
                out.add(new Split(ByteLevelAlphabet.encode(w.text()), w.atStart()));
            }
            return out;
        }
    }

    /** {@code Split}: by a string or regex pattern, with a behaviour, optionally inverted. */
    record SplitPattern(Matches matches, Behavior behavior) implements PreTokenizer {

        static SplitPattern of(Pattern pattern, Behavior behavior, boolean invert) {
            Matches m = Splitting.regex(pattern);
            return new SplitPattern(invert ? Splitting.inverted(m) : m, behavior);
        }

        @Override
        public List<Split> preTokenize(List<Split> splits) {
            List<Split> out = new ArrayList<>();
            for (Split s : splits) {
                Splitting.split(s, matches, behavior, out);
            }
            return out;
        }
    }

    /** {@code Digits}: each digit alone, or runs of digits together. */
    static PreTokenizer digits(boolean individual) {
        return new SplitPattern(Splitting.chars(Chars::isNumeric),
                individual ? Behavior.ISOLATED : Behavior.CONTIGUOUS);
    }

    /** {@code Punctuation}: punctuation characters, with a behaviour (isolated by default). */
    static PreTokenizer punctuation(Behavior behavior) {
        return new SplitPattern(Splitting.chars(Chars::isPunctuation), behavior);
    }

    /** {@code WhitespaceSplit}: splits on whitespace, which is removed. */
    static PreTokenizer whitespaceSplit() {
        return new SplitPattern(Splitting.chars(Chars::isWhitespace), Behavior.REMOVED);
    }

    /** {@code CharDelimiterSplit}: splits on one character, which is removed. */
    static PreTokenizer charDelimiter(int delimiter) {
        return new SplitPattern(Splitting.chars(cp -> cp == delimiter), Behavior.REMOVED);
    }

    /** {@code Whitespace}: words and runs of other non-space characters ({@code \w+|[^\w\s]+}). */
    static PreTokenizer whitespace() {
        return new SplitPattern(Splitting.inverted(Splitting.regex(OnigRegex.compile("\\w+|[^\\w\\s]+"))),
                Behavior.REMOVED);
    }

    /** The Metaspace pre-tokenizer's {@code prepend_scheme}. */
    enum PrependScheme {
        ALWAYS, FIRST, NEVER;

        static PrependScheme parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "always" -> ALWAYS;
                case "first" -> FIRST;
                case "never" -> NEVER;
                default -> throw new IllegalArgumentException("prepend_scheme \"" + name + "\" is not supported");
            };
        }
    }

    /**
     * {@code Metaspace}: spaces become the replacement (▁), which is prepended to the first
     * piece, every piece or none, and the text is split before each replacement.
     */
    record Metaspace(String replacement, PrependScheme scheme, boolean split) implements PreTokenizer {

        @Override
        public List<Split> preTokenize(List<Split> splits) {
            List<Split> out = new ArrayList<>();
            Matches marks = Splitting.regex(OnigRegex.literal(replacement));
            for (Split s : splits) {
                String text = s.text().replace(" ", replacement);
                boolean prepend = !text.isEmpty() && switch (scheme) {
                    case ALWAYS -> !text.startsWith(replacement);
                    case FIRST -> !text.startsWith(replacement) && s.atStart();
                    case NEVER -> false;
                };
                Split t = new Split(prepend ? replacement + text : text, s.atStart());
                if (split) {
                    Splitting.split(t, marks, Behavior.MERGED_WITH_NEXT, out);
                } else if (!t.text().isEmpty()) {
                    out.add(t);
                }
            }
            return out;
        }
    }

    /** {@code Sequence}: each pre-tokenizer on the pieces of the one before. */
    record Sequence(List<PreTokenizer> preTokenizers) implements PreTokenizer {
        @Override
        public List<Split> preTokenize(List<Split> splits) {
            for (PreTokenizer p : preTokenizers) {
                splits = p.preTokenize(splits);
            }
            return splits;
        }
    }
}
