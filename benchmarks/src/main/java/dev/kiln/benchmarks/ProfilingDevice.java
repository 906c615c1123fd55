package dev.kiln.benchmarks;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A {@link Device} that passes everything to another one and, while {@link #recording}, adds up
 * the wall time of each kernel call (and of allocations and copies) by a label: the kernel, and
 * for GEMM its transposes and m x n x k, for attention its shape. What the engine does between
 * kernel calls is the step's time minus the sum. For one thread of calls, as the engine makes.
 */
final class ProfilingDevice implements Device {

    /** The time and calls of one label, and the FLOPs of its GEMMs and the bytes of their A and B. */
    static final class Stat {
        long nanos;
        long calls;
        double flops;
        double operandBytes;
    }

    private final Device inner;
    private final Kernels kernels;
    private final Map<String, Stat> stats = new LinkedHashMap<>();
    boolean recording;

    ProfilingDevice(Device inner) {
        this.inner = inner;
        this.kernels = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
                new Class<?>[] {Kernels.class}, (proxy, method, args) -> timed(method, args));
    }

    Map<String, Stat> stats() {
        return stats;
    }

    void reset() {
        stats.clear();
    }

    private Object timed(Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return method.invoke(this, args);
        }
        long start = System.nanoTime();
        try {
            return method.invoke(inner.kernels(), args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            if (recording) {
                long nanos = System.nanoTime() - start;
                record(label(method, args), nanos, flops(method, args), operandBytes(method, args));
            }
        }
    }

    private void record(String label, long nanos, double flops, double operandBytes) {
        Stat stat = stats.computeIfAbsent(label, l -> new Stat());
        stat.nanos += nanos;
        stat.calls++;
        stat.flops += flops;
        stat.operandBytes += operandBytes;
    }

    private static String label(Method method, Object[] args) {
        String name = method.getName();
        return switch (args == null ? null : args[0]) {
            case Gemm g -> name + " " + (g.transA() ? "T" : "N") + (g.transB() ? "T" : "N") + " "
                    + g.m() + "x" + g.n() + "x" + g.k() + (g.batch() > 1 ? " (x" + g.batch() + ")" : "");
            case AttentionShape s -> name + " " + s.heads() + "/" + s.kvHeads() + " d" + s.headDim()
                    + " seq " + s.seqQ();
            case Kernels.BinaryOp op -> name + " " + op + (Boolean.TRUE.equals(args[args.length - 1])
                    ? " (broadcast)" : "");
            case Kernels.Activation act -> name + " " + act;
            case Kernels.Reduction op -> name + " " + op;
            case null, default -> name;
        };
    }

    private static double flops(Method method, Object[] args) {
        if (args != null && args[0] instanceof Gemm g) {
            return 2.0 * g.m() * g.n() * g.k() * Math.max(1, g.batch());
        }
        return 0;
    }

    /** What a GEMM reads of A and B once: for a decoded token (m = 1), the weight matrix. */
    private static double operandBytes(Method method, Object[] args) {
        if (args != null && args[0] instanceof Gemm g) {
            long a = (long) g.m() * g.k() * ((Slice) args[1]).buffer().dtype().byteSize();
            long b = (long) g.n() * g.k() * ((Slice) args[2]).buffer().dtype().byteSize();
            return (double) (a + b) * Math.max(1, g.batch());
        }
        return 0;
    }

    private <T> T timed(String label, Supplier<T> action) {
        long start = System.nanoTime();
        try {
            return action.get();
        } finally {
            if (recording) {
                record(label, System.nanoTime() - start, 0, 0);
            }
        }
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public DeviceBuffer allocate(DType dtype, long elements) {
        return timed("(allocate)", () -> inner.allocate(dtype, elements));
    }

    @Override
    public long freeBytes() {
        return inner.freeBytes();
    }

    @Override
    public void upload(MemorySegment src, Slice dst) {
        timed("(upload)", () -> {
            inner.upload(src, dst);
            return null;
        });
    }

    @Override
    public void download(Slice src, MemorySegment dst) {
        timed("(download)", () -> {
            inner.download(src, dst);
            return null;
        });
    }

    @Override
    public void copy(Slice src, Slice dst, long n) {
        timed("(copy)", () -> {
            inner.copy(src, dst, n);
            return null;
        });
    }

    @Override
    public Kernels kernels() {
        return kernels;
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public <T> Optional<T> extension(Class<T> type) {
        return inner.extension(type);
    }

    /** The labels by time, longest first. */
    List<Map.Entry<String, Stat>> byTime() {
        List<Map.Entry<String, Stat>> entries = new ArrayList<>(stats.entrySet());
        entries.sort((a, b) -> Long.compare(b.getValue().nanos, a.getValue().nanos));
        return entries;
    }
}
