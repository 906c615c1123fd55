package dev.kiln.hal.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.BackendName;
import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.DType;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The CPU backend: f32 compute with bf16/f16 storage, on the Vector API, over all cores. It
 * needs {@code jdk.incubator.vector}; without it, it registers anyway and says so.
 *
 * <p>Its one device, {@code cpu:0}, is created on first {@link #open(int)} and shared by every
 * caller. System properties tune it: {@value #THREADS_PROPERTY} (default: every processor) and
 * {@value #MEMORY_FRACTION_PROPERTY}, the share of the maximum heap it may allocate (default
 * {@value CpuDevice#DEFAULT_MEMORY_FRACTION}).
 */
@Component
@BackendName("cpu")
public final class CpuBackend implements Backend {

    static final String THREADS_PROPERTY = "kiln.cpu.threads";
    static final String MEMORY_FRACTION_PROPERTY = "kiln.cpu.memoryFraction";

    private final CpuProbe probe;
    private final BackendInfo info;
    private CpuDevice device;

    public CpuBackend() {
        this(CpuProbe.local());
    }

    CpuBackend(CpuProbe probe) {
        this.probe = probe;
        this.info = describe(probe);
    }

    @Override
    public BackendInfo info() {
        return info;
    }

    /** Device 0, the whole CPU; there is no other. */
    @Override
    public synchronized Device open(int index) {
        if (!info.available()) {
            throw new IllegalStateException("backend 'cpu' cannot run here: " + info.unavailableReason().orElseThrow());
        }
        if (index != 0) {
            throw new IllegalArgumentException("backend 'cpu' has no device " + index
                    + "; it has one device, cpu:0 (all cores)");
        }
        if (device == null) {
            int threads = Integer.getInteger(THREADS_PROPERTY, probe.cores());
            device = new CpuDevice(threads, CpuDevice.memoryBudget(probe.heapBytes(), memoryFraction()));
        }
        return device;
    }

    /** Stops the device's threads when the bundle stops. */
    @Deactivate
    synchronized void deactivate() {
        if (device != null) {
            device.close();
            device = null;
        }
    }

    static BackendInfo describe(CpuProbe probe) {
        BackendInfo.Builder b = BackendInfo.builder("cpu")
                .vendor(probe.vendor())
                .memoryBytes(CpuDevice.memoryBudget(probe.heapBytes(), memoryFraction()))
                .dtypes(CpuDevice.STORED)
                .preference(0);
        String cores = probe.cores() + (probe.cores() == 1 ? " core" : " cores");
        if (probe.vectorBits() > 0) {
            b.device(probe.model() + ", " + cores + ", " + probe.vectorBits() + "-bit vectors");
        } else {
            b.device(probe.model() + ", " + cores)
                    .unavailable("the Vector API is missing: run the JVM with --add-modules "
                            + "jdk.incubator.vector and export jdk.incubator.vector from the "
                            + "OSGi framework (bin/kiln does both)");
        }
        return b.build();
    }

    private static double memoryFraction() {
        String value = System.getProperty(MEMORY_FRACTION_PROPERTY);
        if (value == null) {
            return CpuDevice.DEFAULT_MEMORY_FRACTION;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MEMORY_FRACTION_PROPERTY + " is not a number: " + value, e);
        }
    }
}
