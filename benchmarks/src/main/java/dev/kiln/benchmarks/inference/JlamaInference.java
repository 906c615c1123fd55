package dev.kiln.benchmarks.inference;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.MachineSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * The jlama side of inference-vs-torch.sh: jlama-core loads the checkpoint's model directory
 * (config.json, model.safetensors, tokenizer.json) and runs prefill and greedy decode through the
 * calls its own {@code AbstractModel.generate} makes, without the tokenizer and sampling around
 * them.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -cp target/benchmarks.jar \
 *     dev.kiln.benchmarks.inference.JlamaInference f32 out.json      # settings: InferenceSettings
 * }</pre>
 *
 * Threads: jlama runs its parallel loops on one ForkJoinPool of {@code PhysicalCoreExecutor},
 * sized by {@code loadModel}'s thread count (THREADS here; by default half the cores). Working
 * memory is F32, jlama's default; jlama itself then keeps an F32 model's activations in F32 and
 * quantizes a BF16 model's activations to BF16 before each matrix product, and holds the lm_head
 * in the working type (F32) whatever the checkpoint's.
 */
public final class JlamaInference {

    private JlamaInference() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: JlamaInference f32|bf16 OUT.json");
            System.exit(2);
        }
        String dtype = args[0];
        InferenceSettings settings = InferenceSettings.fromEnvironment();
        AbstractModel model = ModelSupport.loadModel(settings.model(dtype).toFile(), null, DType.F32, DType.F32,
                Optional.empty(), Optional.of(settings.threads()));
        String setup = "jlama-core " + jlamaVersion() + ", " + TensorOperationsProvider.get().name() + ", vector "
                + MachineSpec.VECTOR_TYPE + ", working memory " + model.getWorkingDType() + ", Java "
                + Runtime.version();
        try (Decoder decoder = new Decoder(model)) {
            new InferenceRun(settings, decoder).measure("jlama", dtype, setup).write(Path.of(args[1]));
        }
        System.exit(0); // jlama's pool threads are not daemons
    }

    /** jlama-core's version from the pom.properties its jar carries (the shaded jar keeps it). */
    private static String jlamaVersion() {
        try (InputStream in = JlamaInference.class.getResourceAsStream(
                "/META-INF/maven/com.github.tjake/jlama-core/pom.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "(unknown version)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code AbstractModel.generate} does per prompt and per token, at temperature 0. */
    private static final class Decoder implements GreedyDecoder {

        private final AbstractModel model;
        private final KvBufferCache caches;
        /** One session's cache, written again from position 0 by every prefill. */
        private final KvBufferCache.KvBuffer cache;
        private final AbstractTensor logits;

        Decoder(AbstractModel model) {
            this.model = model;
            this.caches = new KvBufferCache(model);
            this.cache = caches.getKvBuffer(UUID.randomUUID());
            this.logits = model.makeDenseTensor(model.getConfig().vocabularySize);
        }

        @Override
        public int prefill(int[] tokens) {
            cache.setCurrentContextPosition(0);
            AbstractTensor last = model.batchForward(tokens, 0, cache);
            int next = model.sample(last.slice(last.shape().first() - 1), 0f, 0f, logits);
            last.close();
            cache.setCurrentContextPosition(tokens.length);
            return next;
        }

        @Override
        public int next(int token, int position) {
            AbstractTensor output = model.forward(token, position, cache, Optional.empty());
            int next = model.sample(output, 0f, 0f, logits);
            output.close();
            cache.incrementContextPosition();
            return next;
        }

        @Override
        public void close() {
            logits.close();
            caches.close();
            model.close();
        }
    }
}
