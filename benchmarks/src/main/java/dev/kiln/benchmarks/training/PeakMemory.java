package dev.kiln.benchmarks.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The memory this JVM has needed so far.
 *
 * @param vmHwmBytes the peak resident set, VmHWM of /proc/self/status: what the machine gave the
 *     process (heap pages once touched, code, metaspace, thread stacks, native buffers), the
 *     figure compared with PyTorch's
 * @param heapPeakUsedBytes the sum of every heap pool's peak use: an upper bound of the live
 *     heap's peak, as the pools peak at different times
 * @param heapCommittedBytes the heap the JVM holds now
 * @param nonHeapUsedBytes metaspace and code cache now
 * @param directBytes direct and mapped NIO buffers now (off-heap tensors would be here)
 */
record PeakMemory(long vmHwmBytes, long heapPeakUsedBytes, long heapCommittedBytes,
        long nonHeapUsedBytes, long directBytes) {

    static PeakMemory ofThisJvm() {
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            direct += pool.getMemoryUsed();
        }
        var memory = ManagementFactory.getMemoryMXBean();
        return new PeakMemory(vmHwm(), heapPeak, memory.getHeapMemoryUsage().getCommitted(),
                memory.getNonHeapMemoryUsage().getUsed(), direct);
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("vm_hwm_bytes", vmHwmBytes);
        json.put("heap_peak_used_bytes", heapPeakUsedBytes);
        json.put("heap_committed_bytes", heapCommittedBytes);
        json.put("non_heap_used_bytes", nonHeapUsedBytes);
        json.put("direct_bytes", directBytes);
        return json;
    }

    /** VmHWM of /proc/self/status in bytes (Linux). */
    private static long vmHwm() {
        Path status = Path.of("/proc/self/status");
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(status + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException(status + ": no VmHWM line");
    }
}
