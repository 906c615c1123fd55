package dev.kiln.benchmarks.inference;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.llama.LlamaFamily;
import dev.kiln.models.safetensors.SafetensorsFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The Kiln side of inference-vs-torch.sh: kernel-core's {@link ModelLoader} loads the checkpoint's
 * model directory with the llama family and the safetensors format (the services a Kiln runtime
 * would hand it) onto a {@link CpuDevice} of THREADS threads, weights in the checkpoint's dtype,
 * and the model runs prefill and greedy decode through {@link CausalLM#forwardLast} with a
 * {@link KvCache}.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -cp target/benchmarks.jar \
 *     dev.kiln.benchmarks.inference.KilnInference f32 out.json      # settings: InferenceSettings
 * }</pre>
 */
public final class KilnInference {

    private KilnInference() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: KilnInference f32|bf16 OUT.json");
            System.exit(2);
        }
        String dtype = args[0];
        InferenceSettings settings = InferenceSettings.fromEnvironment();
        ModelLoader loader = new ModelLoader(List.of(new LlamaFamily()), List.of(new SafetensorsFormat()));
        try (CpuDevice device = new CpuDevice(settings.threads())) {
            TensorOps ops = new TensorEngine().on(device);
            try (LoadedModel loaded = loader.load(settings.model(dtype), ops);
                    Decoder decoder = new Decoder(ops, loaded.model(), capacity(settings))) {
                String setup = loaded.family() + " family, " + loaded.format() + ", " + loaded.summary() + ", "
                        + device + ", Java " + Runtime.version();
                new InferenceRun(settings, decoder).measure("Kiln", dtype, setup).write(Path.of(args[1]));
            }
        }
    }

    private static int capacity(InferenceSettings settings) {
        return Math.max(settings.prefillTokens(), settings.decodePrompt() + settings.decodeTokens());
    }

    /** Greedy decoding through the model's own calls: forwardLast, then the host argmax. */
    private static final class Decoder implements GreedyDecoder {

        private final TensorOps ops;
        private final CausalLM model;
        private final KvCache cache;

        Decoder(TensorOps ops, CausalLM model, int capacity) {
            this.ops = ops;
            this.model = model;
            this.cache = model.newCache(1, capacity);
        }

        @Override
        public int prefill(int[] tokens) {
            cache.clear();
            int[] positions = new int[tokens.length];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = i;
            }
            return argmaxOfLast(tokens, positions);
        }

        @Override
        public int next(int token, int position) {
            return argmaxOfLast(new int[] {token}, new int[] {position});
        }

        private int argmaxOfLast(int[] tokens, int[] positions) {
            Shape shape = Shape.of(1, tokens.length);
            try (Tensor ids = ops.tensor(tokens, shape);
                    Tensor at = ops.tensor(positions, shape);
                    Tensor logits = model.forwardLast(ids, at, null, cache)) {
                return argmax(logits.toFloatArray());
            }
        }

        private static int argmax(float[] values) {
            int best = 0;
            for (int i = 1; i < values.length; i++) {
                if (values[i] > values[best]) {
                    best = i;
                }
            }
            return best;
        }

        @Override
        public void close() {
            cache.close();
        }
    }
}
