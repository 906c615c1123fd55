package dev.kiln.core.data;

import java.util.Arrays;

/**
 * A sample as token ids with their labels, aligned as Hugging Face aligns them: {@code labels[t]}
 * is the token the model should see at {@code t} ({@code inputIds[t]}) or
 * {@link #IGNORE_INDEX} where no loss is taken. The trainer shifts: the logits at {@code t}
 * predict {@code labels[t + 1]}.
 *
 * @param inputIds the tokens, at most {@code --max_length}
 * @param labels {@code inputIds[t]} where trained, {@link #IGNORE_INDEX} elsewhere
 * @param origin the row it came from ({@code data/train.jsonl:17}), for messages
 */
public record EncodedSample(int[] inputIds, int[] labels, String origin) {

    /** The label of a token that takes no loss (PyTorch's {@code ignore_index}). */
    public static final int IGNORE_INDEX = -100;

    public EncodedSample {
        if (inputIds.length != labels.length) {
            throw new IllegalArgumentException(origin + ": " + inputIds.length + " ids but "
                    + labels.length + " labels");
        }
    }

    public int length() {
        return inputIds.length;
    }

    /**
     * The tokens that take loss once shifted: labelled positions after the first (the first token
     * has nothing before it to predict it).
     */
    public int trainableTokens() {
        int n = 0;
        for (int t = 1; t < labels.length; t++) {
            if (labels[t] != IGNORE_INDEX) {
                n++;
            }
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedSample s && Arrays.equals(inputIds, s.inputIds)
                && Arrays.equals(labels, s.labels) && origin.equals(s.origin);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(inputIds) + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return origin + " " + inputIds.length + " tokens, " + trainableTokens() + " trained";
    }
}
