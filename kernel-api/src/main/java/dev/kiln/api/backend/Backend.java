package dev.kiln.api.backend;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A hardware backend: it owns device memory and runs the kernels of the HAL. Register one as a
 * service with a {@link BackendName} property. A backend registers even where its device is
 * missing, and says why in {@link BackendInfo#unavailableReason()}, so the user can see what
 * would be needed.
 */
@ConsumerType
public interface Backend {

    /** What this backend is and whether it can run here. */
    BackendInfo info();
}
