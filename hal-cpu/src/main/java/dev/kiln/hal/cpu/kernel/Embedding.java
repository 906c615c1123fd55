package dev.kiln.hal.cpu.kernel;

/**
 * Embedding lookup: gather rows of a [vocab, dim] table by token id, and its backward, a
 * scatter-add of the output gradient into the table's gradient.
 *
 * <p>The backward is split by vocabulary rows, not by tokens: a call owns the table rows
 * [vocabFrom, vocabTo) and scans every token, adding those whose id it owns, in token order. No
 * two calls write one row, and each row's sum runs in token order whatever the split, so the
 * result is bit-identical for any split.
 */
public final class Embedding {

    private Embedding() {}

    /** out[t] = table[ids[t]] for tokens [tokenFrom, tokenTo); out is [tokens, dim]. */
    public static void gather(float[] table, int tableOff, int vocab, int dim, int[] ids, int idsOff,
                              float[] out, int outOff, int tokenFrom, int tokenTo) {
        String op = "embeddingGather";
        ArgChecks.positive(op, "vocab", vocab);
        ArgChecks.positive(op, "dim", dim);
        ArgChecks.range(op, "token", tokenFrom, tokenTo);
        ArgChecks.rows(op, "table", table, tableOff, vocab, dim);
        ArgChecks.span(op, "ids", ids, idsOff, tokenTo);
        ArgChecks.rows(op, "out", out, outOff, tokenTo, dim);
        checkIds(op, ids, idsOff, tokenFrom, tokenTo, vocab);
        for (int t = tokenFrom; t < tokenTo; t++) {
            System.arraycopy(table, tableOff + ids[idsOff + t] * dim, out, outOff + t * dim, dim);
        }
    }

    /**
     * dTable[id] += dOut[t] for every token t in [0, tokens) whose id lies in [vocabFrom, vocabTo),
     * in token order; dOut is [tokens, dim], dTable is [vocab, dim].
     */
    public static void scatterAdd(int[] ids, int idsOff, int tokens, float[] dOut, int dOutOff, int dim,
                                  float[] dTable, int dTableOff, int vocab, int vocabFrom, int vocabTo) {
        String op = "embeddingScatterAdd";
        ArgChecks.positive(op, "vocab", vocab);
        ArgChecks.positive(op, "dim", dim);
        if (tokens < 0) {
            throw ArgChecks.fail(op, "tokens must not be negative, was " + tokens);
        }
        ArgChecks.range(op, "vocabulary row", vocabFrom, vocabTo);
        if (vocabTo > vocab) {
            throw ArgChecks.fail(op, "vocabulary row range [" + vocabFrom + ", " + vocabTo + ") exceeds vocab " + vocab);
        }
        ArgChecks.span(op, "ids", ids, idsOff, tokens);
        ArgChecks.rows(op, "dOut", dOut, dOutOff, tokens, dim);
        ArgChecks.rows(op, "dTable", dTable, dTableOff, vocab, dim);
        checkIds(op, ids, idsOff, 0, tokens, vocab);
        for (int t = 0; t < tokens; t++) {
            int id = ids[idsOff + t];
            if (id >= vocabFrom && id < vocabTo) {
                int row = dTableOff + id * dim;
                Elementwise.add(dTable, row, dOut, dOutOff + t * dim, dTable, row, 0, dim);
            }
        }
    }

    private static void checkIds(String op, int[] ids, int idsOff, int from, int to, int vocab) {
        for (int t = from; t < to; t++) {
            int id = ids[idsOff + t];
            if (id < 0 || id >= vocab) {
                throw ArgChecks.fail(op, "id of token " + t + " is " + id + ", outside [0, " + vocab + ")");
            }
        }
    }
}
