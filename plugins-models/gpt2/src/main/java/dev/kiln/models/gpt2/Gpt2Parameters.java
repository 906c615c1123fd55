package dev.kiln.models.gpt2;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GPT2LMHeadModel's parameters: their Hugging Face names and shapes, in state_dict order, and
 * their dtypes and first values.
 */
final class Gpt2Parameters {

    /** The Conv1D modules of a block, under {@code transformer.h.<i>.}. */
    static final List<String> CONV1D_MODULES =
            List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj");

    private Gpt2Parameters() {}

    /** Every parameter's name and shape; no {@code lm_head.weight} when the head is tied to wte. */
    static Map<String, Shape> shapes(Gpt2Config c) {
        int embed = c.embedSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("transformer.wte.weight", Shape.of(c.vocabSize(), embed));
        shapes.put("transformer.wpe.weight", Shape.of(c.positions(), embed));
        for (int layer = 0; layer < c.layers(); layer++) {
            String p = "transformer.h." + layer + ".";
            shapes.put(p + "ln_1.weight", Shape.of(embed));
            shapes.put(p + "ln_1.bias", Shape.of(embed));
            conv1d(shapes, p + "attn.c_attn", embed, 3 * embed);
            conv1d(shapes, p + "attn.c_proj", embed, embed);
            shapes.put(p + "ln_2.weight", Shape.of(embed));
            shapes.put(p + "ln_2.bias", Shape.of(embed));
            conv1d(shapes, p + "mlp.c_fc", embed, c.innerSize());
            conv1d(shapes, p + "mlp.c_proj", c.innerSize(), embed);
        }
        shapes.put("transformer.ln_f.weight", Shape.of(embed));
        shapes.put("transformer.ln_f.bias", Shape.of(embed));
        if (!c.tiedLmHead()) {
            shapes.put("lm_head.weight", Shape.of(c.vocabSize(), embed));
        }
        return shapes;
    }

    /**
     * Every parameter, in state_dict order. The matrices (Conv1D weights, wte, wpe, an untied
     * lm_head) take config.json's torch_dtype, LayerNorms and biases are F32. {@code init}
     * gives them GPT2PreTrainedModel._init_weights' values: matrices N(0, initializer_range),
     * except the c_proj weights, N(0, initializer_range / sqrt(2 n_layer)) (GPT-2's scaling of
     * the residual projections); LayerNorm weights 1; biases 0.
     */
    static Map<String, Tensor> make(TensorOps ops, Gpt2Config c, Initializer init) {
        double residualStd = c.initializerRange() / Math.sqrt(2.0 * c.layers());
        Map<String, Tensor> parameters = new LinkedHashMap<>();
        shapes(c).forEach((name, shape) -> {
            boolean matrix = shape.rank() == 2;
            Tensor parameter = ops.parameter(shape, matrix ? c.weightDtype() : DType.F32);
            if (matrix) {
                init.normal(ops, parameter,
                        name.endsWith(".c_proj.weight") ? residualStd : c.initializerRange());
            } else if (name.contains(".ln_") && name.endsWith(".weight")) {
                init.ones(ops, parameter);
            }
            parameters.put(name, parameter);
        });
        return parameters;
    }

    private static void conv1d(Map<String, Shape> shapes, String module, int in, int out) {
        shapes.put(module + ".weight", Shape.of(in, out));
        shapes.put(module + ".bias", Shape.of(out));
    }
}
