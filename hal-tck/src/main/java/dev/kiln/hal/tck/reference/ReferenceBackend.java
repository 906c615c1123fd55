package dev.kiln.hal.tck.reference;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.DType;
import java.util.EnumSet;

/**
 * The reference device as a {@link Backend} named "reference": always available, with preference
 * -100 so that it is never chosen unless asked for by name. It is deliberately not a DS
 * component; whoever wants it (a test, a debugging session) registers it.
 */
public final class ReferenceBackend implements Backend {

    public static final String NAME = "reference";

    private final ReferenceDevice device;

    /** A backend whose one device has {@link ReferenceDevice#DEFAULT_MEMORY_LIMIT}. */
    public ReferenceBackend() {
        this(ReferenceDevice.DEFAULT_MEMORY_LIMIT);
    }

    public ReferenceBackend(long memoryLimit) {
        this.device = new ReferenceDevice(NAME + ":0", memoryLimit);
    }

    @Override
    public BackendInfo info() {
        return BackendInfo.builder(NAME)
                .vendor("Kiln")
                .device("scalar reference kernels in double precision on the Java heap")
                .memoryBytes(device.memoryLimit())
                .dtypes(EnumSet.allOf(DType.class))
                .preference(-100)
                .build();
    }

    /** The one device, index 0; every caller gets the same one. */
    @Override
    public Device open(int index) {
        if (index != 0) {
            throw new IllegalArgumentException("backend '" + NAME + "' has no device " + index
                    + "; it has device 0 only");
        }
        return device;
    }
}
