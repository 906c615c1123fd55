package dev.kiln.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.BackendName;
import dev.kiln.api.backend.Device;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

class BackendRegistryTest {

    private final BackendRegistry registry = new BackendRegistry();
    private long nextId;

    @Test
    void withoutADeviceNamedThePreferredAvailableBackendIsChosen() {
        add(backend("cpu", 0, null));
        add(backend("cuda", 100, "no NVIDIA driver (libcuda.so.1 not found)"));
        add(backend("opencl", 50, null));
        assertEquals("opencl", registry.select(null).name());
    }

    @Test
    void aNamedBackendIsChosenEvenIfAnotherIsPreferred() {
        add(backend("cpu", 0, null));
        add(backend("opencl", 50, null));
        assertEquals("cpu", registry.select("cpu").name());
        assertEquals("opencl", registry.select("opencl:1").name());
    }

    @Test
    void namingAnUnavailableBackendSaysWhy() {
        add(backend("cpu", 0, null));
        add(backend("cuda", 100, "no NVIDIA driver (libcuda.so.1 not found)"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> registry.select("cuda"));
        assertEquals("backend 'cuda' is not available here: no NVIDIA driver (libcuda.so.1 not found)",
                e.getMessage());
    }

    @Test
    void namingAMissingBackendListsTheInstalledOnes() {
        add(backend("cpu", 0, null));
        add(backend("opencl", 50, null));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> registry.select("ascend"));
        assertEquals("no backend named 'ascend' is installed; installed: cpu, opencl", e.getMessage());
    }

    @Test
    void whenNothingIsAvailableTheReasonsAreListed() {
        assertThrows(IllegalStateException.class, () -> registry.select(null));
        add(backend("cpu", 0, "the Vector API is missing"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> registry.select(null));
        assertTrue(e.getMessage().contains("cpu (unavailable: the Vector API is missing)"), e.getMessage());
    }

    @Test
    void aRemovedBackendIsNoLongerChosen() {
        add(backend("cpu", 0, null));
        Backend opencl = backend("opencl", 50, null);
        Map<String, Object> props = add(opencl);
        assertEquals("opencl", registry.select(null).name());
        registry.removeBackend(opencl, props);
        assertEquals("cpu", registry.select(null).name());
        assertEquals(1, registry.all().size());
    }

    @Test
    void openGivesTheDeviceOfTheIndexAfterTheColon() {
        add(backend("cpu", 0, null));
        Device[] devices = {new ReferenceDevice(), new ReferenceDevice()};
        add(new Backend() {
            @Override
            public BackendInfo info() {
                return BackendInfo.builder("opencl").preference(50).build();
            }

            @Override
            public Device open(int index) {
                return devices[index];
            }
        });
        assertSame(devices[1], registry.open("opencl:1"));
        assertSame(devices[0], registry.open(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.open("opencl:first"));
        assertEquals("--device opencl:first: the device index after ':' must be a number from 0, not 'first'",
                e.getMessage());
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> registry.open("cpu"));
        assertEquals("backend 'cpu' has no compute device", none.getMessage());
    }

    private Map<String, Object> add(Backend backend) {
        Map<String, Object> props = Map.of(BackendName.PROPERTY, backend.info().name(),
                Constants.SERVICE_ID, ++nextId);
        registry.addBackend(backend, props);
        return props;
    }

    private static Backend backend(String name, int preference, String unavailable) {
        BackendInfo.Builder b = BackendInfo.builder(name).preference(preference);
        if (unavailable != null) {
            b.unavailable(unavailable);
        }
        BackendInfo info = b.build();
        return () -> info;
    }
}
