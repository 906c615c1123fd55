package dev.kiln.itests.sample.v1;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.BackendName;
import org.osgi.service.component.annotations.Component;

/** A backend whose device is never there, as a GPU backend on a machine without the GPU. */
@Component
@BackendName("sample")
public final class SampleBackend implements Backend {

    public static final String UNAVAILABLE_REASON = "the sample accelerator is not plugged in";

    @Override
    public BackendInfo info() {
        return BackendInfo.builder("sample")
                .vendor("Kiln itests")
                .device("sample accelerator")
                .unavailable(UNAVAILABLE_REASON)
                .build();
    }
}
