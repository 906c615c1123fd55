package dev.kiln.benchmarks;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.backend.DeviceMove;
import dev.kiln.core.backend.MovableDevice;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.models.llama.LlamaFamily;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.hal.opencl.OpenClBackend;
import dev.kiln.hal.tck.HalConformanceKit;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The OpenCL backend against hal-cpu, kernel by kernel: first the HAL conformance kit's own
 * calls (its odd, small shapes: what a kernel costs to launch as much as to run), then a few
 * shapes of a small Llama's training and decoding step, then the time a live swap of a ~160M
 * model between the two takes. Every kernel call is followed by
 * {@link Device#synchronize()}, so an asynchronous device is timed to the end of its work. The
 * kit's results are checked as it runs, so the timed kernels are the correct ones.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp target/benchmarks.jar dev.kiln.benchmarks.OpenClVsCpu [kit rounds] [cpu threads]
 * </pre>
 *
 * With 0 kit rounds only the model's shapes are timed.
 */
public final class OpenClVsCpu {

    private OpenClVsCpu() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        OpenClBackend backend = new OpenClBackend();
        if (!backend.info().available()) {
            System.err.println("OpenCL is not available: " + backend.info().unavailableReason().orElseThrow());
            System.exit(1);
        }
        try (CpuDevice cpu = new CpuDevice(threads)) {
            Device opencl = backend.open(0);
            System.out.printf(Locale.ROOT, "cpu: %s%nopencl: %s%n%n", cpu, backend.info().device());
            if (rounds > 0) {
                kitShapes(rounds, cpu, opencl);
            }
            modelShapes(cpu, opencl);
            liveSwap(cpu, opencl);
        }
    }

    // ---- the kit's shapes ------------------------------------------------------------------------

    private static void kitShapes(int rounds, Device cpu, Device opencl) {
        Map<String, double[]> cpuTimes = kitTimes(cpu, rounds);
        Map<String, double[]> openclTimes = kitTimes(opencl, rounds);
        System.out.printf(Locale.ROOT, "## The conformance kit's kernel calls, ms per round (%d rounds)%n%n", rounds);
        System.out.println("| kernel | calls | hal-cpu | opencl | opencl / cpu |");
        System.out.println("|---|---:|---:|---:|---:|");
        double cpuTotal = 0;
        double openclTotal = 0;
        for (String kernel : cpuTimes.keySet()) {
            double[] c = cpuTimes.get(kernel);
            double[] o = openclTimes.get(kernel);
            cpuTotal += c[1];
            openclTotal += o[1];
            System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.1f× |%n", kernel, (long) c[0], c[1], o[1],
                    o[1] / c[1]);
        }
        System.out.printf(Locale.ROOT, "| **all** | | %.1f | %.1f | %.1f× |%n%n", cpuTotal, openclTotal,
                openclTotal / cpuTotal);
    }

    /** kernel → {calls per round, ms per round}: one warm-up round (it compiles), then the mean of the rest. */
    private static Map<String, double[]> kitTimes(Device device, int rounds) {
        TimedDevice timed = new TimedDevice(device);
        runKit(timed);
        timed.times.clear();
        for (int r = 0; r < rounds; r++) {
            runKit(timed);
        }
        Map<String, double[]> perRound = new TreeMap<>();
        timed.times.forEach((kernel, t) -> perRound.put(kernel, new double[] {t[0] / rounds, t[1] / 1e6 / rounds}));
        return perRound;
    }

    private static void runKit(Device device) {
        HalConformanceKit.forDevice(device).gemmInputTypes(DType.BF16, DType.F16).tests().forEach(test -> {
            try {
                test.getExecutable().execute();
            } catch (Throwable e) {
                throw new IllegalStateException(test.getDisplayName() + " failed on " + device.name(), e);
            }
        });
    }

    /** Passes everything on, and times each kernel call to the end of its work. */
    private static final class TimedDevice implements Device {
        final Device inner;
        final Map<String, long[]> times = new TreeMap<>();
        final Kernels kernels;

        TimedDevice(Device inner) {
            this.inner = inner;
            this.kernels = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
                    new Class<?>[] {Kernels.class}, (proxy, method, args) -> timed(method, args));
        }

        private Object timed(Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return method.invoke(this, args);
            }
            long start = System.nanoTime();
            try {
                Object result = method.invoke(inner.kernels(), args);
                inner.synchronize();
                return result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                long[] t = times.computeIfAbsent(method.getName(), k -> new long[2]);
                t[0]++;
                t[1] += System.nanoTime() - start;
            }
        }

        @Override public String name() { return inner.name(); }
        @Override public DeviceBuffer allocate(DType dtype, long elements) { return inner.allocate(dtype, elements); }
        @Override public long freeBytes() { return inner.freeBytes(); }
        @Override public void upload(MemorySegment src, Slice dst) { inner.upload(src, dst); }
        @Override public void download(Slice src, MemorySegment dst) { inner.download(src, dst); }
        @Override public void copy(Slice src, Slice dst, long n) { inner.copy(src, dst, n); }
        @Override public Kernels kernels() { return kernels; }
        @Override public void synchronize() { inner.synchronize(); }
    }

    // ---- a small model's shapes --------------------------------------------------------------------

    /** One workload: allocates its operands on a device and returns the call to time. */
    private interface Workload {
        Consumer<Kernels> prepare(Operands on);
    }

    private record Case(String name, Workload workload) {}

    private static void modelShapes(Device cpu, Device opencl) {
        List<Case> cases = new ArrayList<>();
        cases.add(gemm("gemm NN 512×768×768 f32", Gemm.of(false, false, 512, 768, 768), DType.F32));
        cases.add(gemm("gemm NT 512×2304×768 f32 (a projection)", Gemm.of(false, true, 512, 2304, 768), DType.F32));
        cases.add(gemm("gemm NT 512×2304×768 bf16 weights", Gemm.of(false, true, 512, 2304, 768), DType.BF16));
        cases.add(gemm("gemm NT 1×2048×2048 bf16 weights (decode)", Gemm.of(false, true, 1, 2048, 2048), DType.BF16));
        AttentionShape causal = AttentionShape.causalSelf(1, 512, 12, 12, 64);
        cases.add(new Case("attention causal 512 tokens, 12 heads, d 64", on -> {
            Slice q = on.random(causal.queryElements()), k = on.random(causal.keyElements()),
                    v = on.random(causal.keyElements()), out = on.zeros(causal.queryElements()),
                    lse = on.zeros(causal.lseElements());
            return kernels -> kernels.attention(causal, q, k, v, null, out, lse);
        }));
        cases.add(new Case("attentionBackward, the same", on -> {
            Slice q = on.random(causal.queryElements()), k = on.random(causal.keyElements()),
                    v = on.random(causal.keyElements()), out = on.zeros(causal.queryElements()),
                    lse = on.zeros(causal.lseElements()), dOut = on.random(causal.queryElements()),
                    dq = on.zeros(causal.queryElements()), dk = on.zeros(causal.keyElements()),
                    dv = on.zeros(causal.keyElements());
            on.device.kernels().attention(causal, q, k, v, null, out, lse);
            return kernels -> kernels.attentionBackward(causal, q, k, v, null, out, lse, dOut, dq, dk, dv);
        }));
        AttentionShape decode = new AttentionShape(1, 1, 1024, 2048, 32, 8, 64, 0.125f, true, 1023);
        cases.add(new Case("attention decode, 1024 cached, 32/8 heads, d 64", on -> {
            Slice q = on.random(decode.queryElements()), k = on.random(decode.keyElements()),
                    v = on.random(decode.keyElements()), out = on.zeros(decode.queryElements()),
                    lse = on.zeros(decode.lseElements());
            return kernels -> kernels.attention(decode, q, k, v, null, out, lse);
        }));
        cases.add(new Case("rmsNorm 512×2048", on -> {
            Slice x = on.random(512 * 2048), w = on.random(2048), out = on.zeros(512 * 2048), rstd = on.zeros(512);
            return kernels -> kernels.rmsNorm(x, w, out, rstd, 512, 2048, 1e-5f);
        }));
        cases.add(new Case("swiglu 512×5632", on -> {
            Slice gate = on.random(512 * 5632), up = on.random(512 * 5632), out = on.zeros(512 * 5632);
            return kernels -> kernels.swiglu(gate, up, out, 512L * 5632);
        }));
        cases.add(new Case("crossEntropy + backward 512×32000", on -> {
            Slice logits = on.random(512L * 32000), targets = on.ids(512, 32000), losses = on.zeros(512),
                    lse = on.zeros(512), dLogits = on.zeros(512L * 32000);
            return kernels -> {
                kernels.crossEntropy(logits, targets, losses, lse, 512, 32000, -100);
                kernels.crossEntropyBackward(logits, targets, lse, dLogits, 512, 32000, -100, 1f / 512);
            };
        }));
        cases.add(new Case("adamW 4M parameters", on -> {
            long n = 4L << 20;
            Slice p = on.random(n), g = on.random(n), m = on.zeros(n), v = on.zeros(n);
            AdamWStep step = new AdamWStep(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 1);
            return kernels -> kernels.adamW(step, p, g, m, v, n);
        }));
        System.out.println("## Shapes of a small Llama step, ms per call (median)");
        System.out.println();
        System.out.println("| workload | hal-cpu | opencl | opencl / cpu |");
        System.out.println("|---|---:|---:|---:|");
        for (Case c : cases) {
            double onCpu = time(cpu, c.workload());
            double onOpenCl = time(opencl, c.workload());
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.1f× |%n", c.name(), onCpu, onOpenCl, onOpenCl / onCpu);
        }
    }

    // ---- a live swap ----------------------------------------------------------------------------------

    /**
     * How long a job is held while a ~160M-parameter Llama (GPT-2-small sized layers, a 32000
     * vocabulary) with a 2048-token KV cache moves between the devices, through host memory.
     */
    private static void liveSwap(Device cpu, Device opencl) {
        MovableDevice device = new MovableDevice(cpu);
        TensorOps ops = new TensorEngine().on(device);
        ModelConfig config = new ModelConfig(Map.ofEntries(Map.entry("architectures", List.of("LlamaForCausalLM")),
                Map.entry("vocab_size", 32000), Map.entry("hidden_size", 768), Map.entry("intermediate_size", 3072),
                Map.entry("num_hidden_layers", 12), Map.entry("num_attention_heads", 12),
                Map.entry("max_position_embeddings", 2048)), "OpenClVsCpu");
        CausalLM model = new LlamaFamily().createForLoading(config, ops);
        long parameters = model.parameters().values().stream().mapToLong(t -> t.shape().numel()).sum();
        try (KvCache cache = model.newCache(1, 2048)) {
            System.out.printf(Locale.ROOT, "%n## A live swap: Llama of %.0fM parameters (F32) and a 2048-token KV cache%n%n",
                    parameters / 1e6);
            System.out.println("| move | buffers | MB | ms | GB/s |");
            System.out.println("|---|---:|---:|---:|---:|");
            for (int round = 0; round < 3; round++) {
                for (Device target : List.of(opencl, cpu)) {
                    DeviceMove move = device.moveTo(target);
                    System.out.printf(Locale.ROOT, "| %s → %s | %d | %.0f | %d | %.2f |%n", move.from(), move.to(),
                            move.buffers(), move.bytes() / 1e6, move.took().toMillis(),
                            move.bytes() / 1e9 / (move.took().toNanos() / 1e9));
                }
            }
        } finally {
            model.parameters().values().forEach(Tensor::close);
        }
    }

    private static Case gemm(String name, Gemm g, DType weights) {
        return new Case(name, on -> {
            Slice a = on.random((long) g.m() * g.k());
            Slice b = on.convert(on.random((long) g.k() * g.n()), weights, (long) g.k() * g.n());
            Slice c = on.zeros((long) g.m() * g.n());
            return kernels -> kernels.gemm(g, a, b, c);
        });
    }

    /** The median of calls made for about a second, after three to warm up. */
    private static double time(Device device, Workload workload) {
        try (Operands operands = new Operands(device)) {
            Consumer<Kernels> call = workload.prepare(operands);
            for (int i = 0; i < 3; i++) {
                call.accept(device.kernels());
            }
            device.synchronize();
            List<Double> samples = new ArrayList<>();
            long until = System.nanoTime() + 1_000_000_000L;
            while (samples.size() < 5 || (System.nanoTime() < until && samples.size() < 200)) {
                long start = System.nanoTime();
                call.accept(device.kernels());
                device.synchronize();
                samples.add((System.nanoTime() - start) / 1e6);
            }
            double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return sorted[sorted.length / 2];
        }
    }

    /** Operands of one workload on one device, released together. */
    private static final class Operands implements AutoCloseable {
        final Device device;
        final List<DeviceBuffer> buffers = new ArrayList<>();
        final Random random = new Random(42);
        final Arena arena = Arena.ofConfined();

        Operands(Device device) {
            this.device = device;
        }

        Slice zeros(long n) {
            DeviceBuffer buffer = device.allocate(DType.F32, n);
            buffers.add(buffer);
            device.kernels().fill(Slice.of(buffer), n, 0f);
            return Slice.of(buffer);
        }

        Slice random(long n) {
            float[] values = new float[(int) n];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * 0.5);
            }
            Slice slice = zeros(n);
            MemorySegment host = arena.allocate(n * Float.BYTES);
            MemorySegment.copy(values, 0, host, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
            device.upload(host, slice);
            return slice;
        }

        Slice ids(int n, int bound) {
            DeviceBuffer buffer = device.allocate(DType.I32, n);
            buffers.add(buffer);
            int[] values = random.ints(n, 0, bound).toArray();
            device.upload(MemorySegment.ofArray(values), Slice.of(buffer));
            return Slice.of(buffer);
        }

        Slice convert(Slice f32, DType type, long n) {
            if (type == DType.F32) {
                return f32;
            }
            DeviceBuffer buffer = device.allocate(type, n);
            buffers.add(buffer);
            device.kernels().convert(f32, Slice.of(buffer), n);
            return Slice.of(buffer);
        }

        @Override
        public void close() {
            device.synchronize();
            buffers.forEach(DeviceBuffer::release);
            arena.close();
        }
    }
}
