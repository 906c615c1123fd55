package dev.kiln.api.backend;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A hardware backend. Register one as a service with a {@link BackendName} property. A backend
 * registers even where its hardware is missing, and says why in
 * {@link BackendInfo#unavailableReason()}, so the user can see what would be needed; where it is
 * available, {@link #open(int)} gives the {@link Device} that owns memory and runs the kernels.
 */
@ConsumerType
public interface Backend {

    /** What this backend is and whether it can run here. */
    BackendInfo info();

    /**
     * Opens device {@code index} of this backend ({@code --device opencl:1} asks for index 1;
     * 0 is the default device). The same device may be returned to several callers.
     *
     * @throws IllegalStateException when the backend is not available here, with the reason
     * @throws IllegalArgumentException when there is no such device, naming the ones there are
     */
    default Device open(int index) {
        throw new IllegalStateException("backend '" + info().name() + "' has no compute device"
                + info().unavailableReason().map(r -> ": " + r).orElse(""));
    }
}
