package dev.kiln.core.quickstart;

/**
 * How big the quickstart's model is and how long each step trains. {@link #standard()} fits a
 * few minutes on a two-core laptop-class CPU; {@link #fast()} is a smaller run of the same steps
 * for tests and a first look, well under a minute, that still learns its name.
 *
 * @param corpusBytes how much of the corpus to use, cut at a line end (0: all of it)
 * @param vocabSize the tokenizer's vocabulary, special tokens included
 * @param sequenceLength tokens per packed training row
 * @param pretrainSteps optimizer steps of pretraining, {@code batchSize} rows each
 * @param sftEpochs passes over the self-cognition rows
 * @param maxNewTokens the longest answer compared
 */
record QuickstartPlan(String name, long corpusBytes, int vocabSize, int hiddenSize, int layers,
        int heads, int intermediateSize, int maxPositions, int sequenceLength, int batchSize,
        int pretrainSteps, double pretrainLearningRate, int sftEpochs, double sftLearningRate,
        int loraRank, int loraAlpha, int maxNewTokens) {

    static QuickstartPlan standard() {
        return new QuickstartPlan("standard", 0, 3072, 256, 4, 4, 688, 512, 256, 8,
                600, 3e-3, 30, 1e-2, 16, 32, 32);
    }

    static QuickstartPlan fast() {
        return new QuickstartPlan("fast", 60_000, 512, 128, 2, 4, 344, 256, 128, 8,
                60, 5e-3, 30, 1e-2, 16, 32, 24);
    }

    /** Parameters of the Llama-shaped model: tied embeddings, q/k/v/o, the SwiGLU MLP, norms. */
    long parameters() {
        long attention = 4L * hiddenSize * hiddenSize;
        long mlp = 3L * hiddenSize * intermediateSize;
        return (long) vocabSize * hiddenSize + layers * (attention + mlp + 2L * hiddenSize) + hiddenSize;
    }
}
