package dev.kiln.hal.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.BackendName;
import dev.kiln.api.tensor.DType;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * The CPU backend: f32 compute with bf16/f16 storage, on the Vector API, over all cores. It
 * needs {@code jdk.incubator.vector}; without it, it registers anyway and says so.
 */
@Component
@BackendName("cpu")
public final class CpuBackend implements Backend {

    private final BackendInfo info = describe(CpuProbe.local());

    @Override
    public BackendInfo info() {
        return info;
    }

    static BackendInfo describe(CpuProbe probe) {
        BackendInfo.Builder b = BackendInfo.builder("cpu")
                .vendor(probe.vendor())
                .memoryBytes(probe.heapBytes())
                .dtypes(Set.of(DType.F32, DType.BF16, DType.F16))
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
}
