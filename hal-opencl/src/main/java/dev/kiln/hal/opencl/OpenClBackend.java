package dev.kiln.hal.opencl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.BackendName;
import dev.kiln.api.backend.Device;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The OpenCL backend: the HAL's kernels in OpenCL C on any OpenCL 1.2 device (PoCL on a CPU,
 * AMD, Intel, NVIDIA and ARM GPUs), through JOCL. It registers whether or not OpenCL is there;
 * without an ICD loader, a driver or a usable device, {@link #info()} says which is missing.
 *
 * <p>Devices are numbered as {@link OpenClPlatforms} lists them (GPUs and accelerators first),
 * and opened on first use, compiling the kernels for them; {@code --device opencl:1} asks for
 * the second. The backend ranks above the CPU backend when its device 0 is a GPU or an
 * accelerator, and below it when it is a CPU (PoCL), which hal-cpu outruns.
 *
 * <p>The system property {@value #MEMORY_FRACTION_PROPERTY} sets the share of a device's global
 * memory it may allocate (default {@value OpenClDevice#DEFAULT_MEMORY_FRACTION}).
 */
@Component
@BackendName("opencl")
public final class OpenClBackend implements Backend {

    static final String NAME = "opencl";
    static final String MEMORY_FRACTION_PROPERTY = "kiln.opencl.memoryFraction";

    /** Preferences relative to the CPU backend's 0. */
    static final int ACCELERATOR_PREFERENCE = 100;
    static final int CPU_DEVICE_PREFERENCE = -10;

    private final Supplier<OpenClPlatforms.Probe> prober;
    private OpenClPlatforms.Probe probe;
    private BackendInfo info;
    private final Map<Integer, OpenClDevice> devices = new HashMap<>();

    public OpenClBackend() {
        this(OpenClPlatforms::probe);
    }

    OpenClBackend(Supplier<OpenClPlatforms.Probe> prober) {
        this.prober = prober;
    }

    /** Probes OpenCL on first call: loading JOCL and asking the drivers takes a moment. */
    @Override
    public synchronized BackendInfo info() {
        if (info == null) {
            probe = prober.get();
            info = describe(probe, memoryFraction());
        }
        return info;
    }

    /**
     * Device {@code index}, opened and compiled for on first call, then shared by every caller.
     *
     * @throws IllegalStateException when OpenCL cannot run here, with the reason, or the
     *     kernels do not compile for the device ({@link OpenClBuildException}, with the log)
     * @throws IllegalArgumentException when there is no such device, naming those there are
     */
    @Override
    public synchronized Device open(int index) {
        BackendInfo described = info();
        if (!described.available()) {
            throw new IllegalStateException("backend '" + NAME + "' cannot run here: "
                    + described.unavailableReason().orElseThrow());
        }
        List<DeviceSpec> specs = probe.devices();
        if (index < 0 || index >= specs.size()) {
            throw new IllegalArgumentException("backend '" + NAME + "' has no device " + index + "; it has "
                    + deviceList(specs));
        }
        OpenClDevice device = devices.get(index);
        if (device == null) {
            DeviceSpec spec = specs.get(index);
            device = new OpenClDevice(index, spec, Tuning.forDevice(spec),
                    (long) (spec.globalMemoryBytes() * memoryFraction()));
            devices.put(index, device);
        }
        return device;
    }

    /** Releases the devices' queues, programs and contexts when the bundle stops. */
    @Deactivate
    synchronized void deactivate() {
        devices.values().forEach(OpenClDevice::close);
        devices.clear();
    }

    static BackendInfo describe(OpenClPlatforms.Probe probe, double memoryFraction) {
        BackendInfo.Builder b = BackendInfo.builder(NAME).dtypes(OpenClDevice.STORED);
        if (!probe.available()) {
            return b.vendor("").device("").preference(CPU_DEVICE_PREFERENCE)
                    .unavailable(probe.unavailableReason()).build();
        }
        List<DeviceSpec> specs = probe.devices();
        DeviceSpec first = specs.getFirst();
        String device = first.describe() + (specs.size() == 1 ? "" : "; also " + IntStream.range(1, specs.size())
                .mapToObj(i -> NAME + ":" + i + " " + specs.get(i).describe()).collect(Collectors.joining(", ")));
        return b.vendor(first.vendor()).device(device)
                .memoryBytes((long) (first.globalMemoryBytes() * memoryFraction))
                .preference(first.isCpu() ? CPU_DEVICE_PREFERENCE : ACCELERATOR_PREFERENCE)
                .build();
    }

    private static String deviceList(List<DeviceSpec> specs) {
        return IntStream.range(0, specs.size()).mapToObj(i -> NAME + ":" + i + " " + specs.get(i).describe())
                .collect(Collectors.joining(", "));
    }

    private static double memoryFraction() {
        String value = System.getProperty(MEMORY_FRACTION_PROPERTY);
        if (value == null) {
            return OpenClDevice.DEFAULT_MEMORY_FRACTION;
        }
        double fraction;
        try {
            fraction = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MEMORY_FRACTION_PROPERTY + " is not a number: " + value, e);
        }
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException(MEMORY_FRACTION_PROPERTY + " must be in (0, 1]: " + value);
        }
        return fraction;
    }
}
