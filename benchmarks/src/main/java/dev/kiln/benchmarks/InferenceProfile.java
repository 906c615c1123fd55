package dev.kiln.benchmarks;

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
import java.util.Map;

/**
 * Where Kiln's inference time goes: the model of a checkpoint directory (loaded as
 * inference-vs-torch.sh's KilnInference loads it) on a {@link ProfilingDevice}, which times every
 * kernel call. Profiles a prefill of the prompt (after two unmeasured ones), then greedy decoding
 * one token at a time after it (after warm-up tokens), and prints for each, per call or per
 * token, every kernel (GEMMs by shape, with GFLOP/s and the GB/s at which they read their
 * operands, for a decoded token the weights), the sum over kernels, and the rest (the engine
 * between calls, the host argmax, GC).
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -Xms6g -Xmx6g -cp target/benchmarks.jar \
 *     dev.kiln.benchmarks.InferenceProfile target/llama-150m/bf16 2 [prompt] [warm-up tokens] [tokens]
 * }</pre>
 */
public final class InferenceProfile {

    private InferenceProfile() {}

    public static void main(String[] args) throws IOException {
        Path model = Path.of(args.length > 0 ? args[0] : "target/llama-150m/f32");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int prompt = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int tokens = args.length > 4 ? Integer.parseInt(args[4]) : 64;

        ModelLoader loader = new ModelLoader(List.of(new LlamaFamily()), List.of(new SafetensorsFormat()));
        try (CpuDevice cpu = new CpuDevice(threads)) {
            ProfilingDevice device = new ProfilingDevice(cpu);
            TensorOps ops = new TensorEngine().on(device);
            try (LoadedModel loaded = loader.load(model, ops);
                    KvCache cache = loaded.model().newCache(1, prompt + warmup + tokens)) {
                CausalLM lm = loaded.model();
                int[] ids = new int[prompt];
                int[] positions = new int[prompt];
                for (int i = 0; i < prompt; i++) {
                    ids[i] = 3 + i;
                    positions[i] = i;
                }
                for (int i = 0; i < 2; i++) {
                    cache.clear();
                    step(ops, lm, cache, ids, positions);
                }
                cache.clear();
                device.recording = true;
                long start = System.nanoTime();
                int token = argmax(step(ops, lm, cache, ids, positions));
                report("prefill of " + prompt + " tokens", model, threads, loaded, device, 1,
                        (System.nanoTime() - start) / 1e6);
                device.recording = false;
                device.reset();
                for (int i = 0; i < warmup; i++) {
                    token = argmax(step(ops, lm, cache, new int[] {token}, new int[] {prompt + i}));
                }
                device.recording = true;
                start = System.nanoTime();
                for (int i = 0; i < tokens; i++) {
                    int position = prompt + warmup + i;
                    token = argmax(step(ops, lm, cache, new int[] {token}, new int[] {position}));
                }
                report("decode after " + (prompt + warmup) + " tokens, per token", model, threads, loaded, device,
                        tokens, (System.nanoTime() - start) / 1e6 / tokens);
            }
        }
    }

    private static float[] step(TensorOps ops, CausalLM lm, KvCache cache, int[] ids, int[] positions) {
        Shape shape = Shape.of(1, ids.length);
        try (Tensor input = ops.tensor(ids, shape);
                Tensor at = ops.tensor(positions, shape);
                Tensor logits = lm.forwardLast(input, at, null, cache)) {
            return logits.toFloatArray();
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

    private static void report(String what, Path model, int threads, LoadedModel loaded, ProfilingDevice device,
            int calls, double msPerCall) {
        System.out.printf("%n%s, %d threads, %s: %.2f ms (%s)%n", model, threads, what, msPerCall,
                loaded.summary());
        System.out.printf("%-44s %6s %9s %6s %8s %8s%n", "", "calls", "ms", "%", "GFLOP/s", "GB/s");
        double kernelMs = 0;
        double gemmMs = 0;
        double gemmFlops = 0;
        double gemmBytes = 0;
        for (Map.Entry<String, ProfilingDevice.Stat> entry : device.byTime()) {
            ProfilingDevice.Stat stat = entry.getValue();
            double ms = stat.nanos / 1e6 / calls;
            kernelMs += ms;
            if (entry.getKey().startsWith("gemm")) {
                gemmMs += ms;
                gemmFlops += stat.flops / calls;
                gemmBytes += stat.operandBytes / calls;
            }
            System.out.printf("%-44s %6.0f %9.3f %6.1f %8s %8s%n", entry.getKey(), (double) stat.calls / calls, ms,
                    100 * ms / msPerCall, stat.flops > 0 ? String.format("%.1f", stat.flops / stat.nanos) : "",
                    stat.operandBytes > 0 ? String.format("%.1f", stat.operandBytes / stat.nanos) : "");
        }
        System.out.printf("%-44s %6s %9.3f %6.1f %8.1f %8.1f%n", "all GEMMs", "", gemmMs, 100 * gemmMs / msPerCall,
                gemmFlops / gemmMs / 1e6, gemmBytes / gemmMs / 1e6);
        System.out.printf("%-44s %6s %9.3f %6.1f%n", "all kernels, allocations and copies", "", kernelMs,
                100 * kernelMs / msPerCall);
        System.out.printf("%-44s %6s %9.3f %6.1f%n", "the rest (engine, host argmax, GC)", "", msPerCall - kernelMs,
                100 * (msPerCall - kernelMs) / msPerCall);
    }
}
