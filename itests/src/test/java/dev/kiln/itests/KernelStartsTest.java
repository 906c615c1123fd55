package dev.kiln.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

/** The core bundles of the distribution start in Felix and register the kernel's services. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KernelStartsTest {

    private static final String CPU_BACKEND = "(kiln.backend.name=cpu)";
    private static final String VECTOR_API = "jdk.incubator.vector";

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] configuration() {
        return KilnPlatform.options();
    }

    @Test
    public void everyCoreBundleIsInstalledAndActive() {
        List<String> notActive = new ArrayList<>();
        for (Path jar : CoreBundles.jars()) {
            Bundle bundle = context.getBundle(CoreBundles.location(jar));
            if (bundle == null) {
                notActive.add(jar.getFileName() + " is not installed");
            } else if (bundle.getState() != Bundle.ACTIVE) {
                notActive.add(jar.getFileName() + ": " + Bundles.describe(bundle));
            }
        }
        assertEquals("core bundles not ACTIVE", List.of(), notActive);
    }

    @Test
    public void everyBundleResolvesAndIsActive() {
        List<String> notActive = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (!Bundles.isFragment(bundle) && bundle.getState() != Bundle.ACTIVE) {
                notActive.add(Bundles.describe(bundle));
            }
        }
        assertEquals("bundles not ACTIVE", List.of(), notActive);
    }

    @Test
    public void kernelRegistersTheCommandLineAndTheRegistries() {
        Services.await(context, Kiln.ENTRY_POINT_FILTER);
        Services.await(context, "(objectClass=dev.kiln.core.cli.CommandRegistry)");
        Services.await(context, "(objectClass=dev.kiln.core.backend.BackendRegistry)");
    }

    @Test
    public void kernelCommandsAreServicesAndOnTheCommandLine() {
        Kiln.Result help = new Kiln(context).run("--help");
        assertEquals(help.toString(), 0, help.exitCode());
        for (String command : List.of("plugins", "backends", "app", "shell")) {
            Services.await(context, "(kiln.command.name=" + command + ")");
            assertTrue("--help does not offer '" + command + "':\n" + help,
                    help.listsCommand(command));
        }
    }

    @Test
    public void cpuBackendImportsTheVectorApiFromTheSystemBundle() {
        Bundle halCpu = Services.await(context, CPU_BACKEND).getBundle();
        BundleWire vectorApi = halCpu.adapt(BundleWiring.class)
                .getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE).stream()
                .filter(wire -> VECTOR_API.equals(
                        wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(halCpu.getSymbolicName() + " is not wired to "
                        + VECTOR_API + ": the system bundle does not export it"));
        assertEquals("bundle that provides " + VECTOR_API,
                Constants.SYSTEM_BUNDLE_ID, vectorApi.getProvider().getBundle().getBundleId());
    }

    @Test
    public void cpuBackendIsAvailable() {
        ServiceReference<?> reference = Services.await(context, CPU_BACKEND);
        Backend backend = (Backend) context.getService(reference);
        assertNotNull("the cpu backend service could not be obtained", backend);
        try {
            BackendInfo info = backend.info();
            assertTrue("cpu backend unavailable: " + info.unavailableReason().orElse(""),
                    info.available());
        } finally {
            context.ungetService(reference);
        }
    }

    /** The CPU device runs kernels inside the framework: a 2×2 product through the HAL. */
    @Test
    public void cpuBackendRunsAKernelInTheFramework() {
        ServiceReference<?> reference = Services.await(context, CPU_BACKEND);
        Backend backend = (Backend) context.getService(reference);
        try {
            Device device = backend.open(0);
            DeviceBuffer a = device.allocate(DType.F32, 4);
            DeviceBuffer c = device.allocate(DType.F32, 4);
            try {
                device.upload(MemorySegment.ofArray(new float[] {1, 2, 3, 4}), Slice.of(a));
                device.kernels().gemm(Gemm.of(false, false, 2, 2, 2), Slice.of(a), Slice.of(a), Slice.of(c));
                float[] product = new float[4];
                device.download(Slice.of(c), MemorySegment.ofArray(product));
                assertArrayEquals(new float[] {7, 10, 15, 22}, product, 0f);
            } finally {
                a.release();
                c.release();
            }
        } finally {
            context.ungetService(reference);
        }
    }
}
