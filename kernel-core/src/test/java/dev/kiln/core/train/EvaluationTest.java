package dev.kiln.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.data.Batch;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The eval loop's loss is the mean over every trained token of the validation set, whatever
 * batch it fell in: checked against log-softmax computed on the host, in double, from the
 * model's logits.
 */
@SuppressWarnings("try") // the no-grad mode acts by being open
class EvaluationTest {

    private static final CpuDevice CPU = new CpuDevice(2);
    private final TensorOps ops = new TensorEngine().on(CPU);

    @AfterAll
    static void close() {
        CPU.close();
    }

    @Test
    void theLossIsTheMeanOverAllTrainedTokensAndThePerplexityItsExp() throws Exception {
        TinyLm model = TinyLm.random(ops, 20, 16, 2, 9);
        List<Batch> batches = List.of(ListBatches.of(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, new int[] {9, 8}),
                ListBatches.of(new int[] {4, 4, 5}));
        Evaluation.Result result = new Evaluation(ops, model).run(new ListBatches(batches, null));
        double sum = 0;
        long tokens = 0;
        for (Batch batch : batches) {
            int[] targets = CausalLmLoss.targets(batch);
            float[] logits;
            try (GradMode off = ops.noGrad()) {
                Shape shape = Shape.of(batch.rows(), batch.seqLength());
                logits = model.forward(ops.tensor(batch.inputIds(), shape), ops.tensor(batch.positions(), shape),
                        ops.tensor(batch.attentionMask(), shape), null).toFloatArray();
            }
            int vocab = logits.length / targets.length;
            for (int i = 0; i < targets.length; i++) {
                if (targets[i] == -100) {
                    continue;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, logits[i * vocab + v]);
                }
                double z = 0;
                for (int v = 0; v < vocab; v++) {
                    z += Math.exp(logits[i * vocab + v] - max);
                }
                sum += Math.log(z) + max - logits[i * vocab + targets[i]];
                tokens++;
            }
        }
        assertEquals(7 + 1 + 2, tokens, "7 + 1 + 2 shifted targets");
        assertEquals(tokens, result.tokens());
        assertEquals(sum / tokens, result.loss(), 1e-5 * sum / tokens);
        assertEquals(Math.exp(sum / tokens), result.perplexity(), 1e-5 * Math.exp(sum / tokens));
    }
}
