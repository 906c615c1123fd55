package dev.kiln.hal.tck.reference.math;

/** Row lookup in an embedding table {@code [vocab, dim]}, and its scatter-add gradient. */
public final class Embedding {

    private Embedding() {}

    public static double[] gather(double[] table, int[] ids, int count, int dim, int vocab) {
        double[] out = new double[count * dim];
        for (int t = 0; t < count; t++) {
            requireInVocabulary(ids[t], vocab, t);
            System.arraycopy(table, ids[t] * dim, out, t * dim, dim);
        }
        return out;
    }

    /** Adds row t of {@code dOut} into row {@code ids[t]} of {@code dTable}. */
    public static void scatterAdd(int[] ids, double[] dOut, double[] dTable, int count, int dim, int vocab) {
        for (int t = 0; t < count; t++) {
            requireInVocabulary(ids[t], vocab, t);
            for (int j = 0; j < dim; j++) {
                dTable[ids[t] * dim + j] += dOut[t * dim + j];
            }
        }
    }

    private static void requireInVocabulary(int id, int vocab, int position) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException("embedding: id " + id + " at " + position
                    + " is outside the vocabulary of " + vocab);
        }
    }
}
