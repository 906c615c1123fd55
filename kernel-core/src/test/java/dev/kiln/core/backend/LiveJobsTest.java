package dev.kiln.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveJobsTest {

    private final BackendRegistry registry = new BackendRegistry();
    private final List<String> reported = new ArrayList<>();
    private final LiveJobs jobs = new LiveJobs(registry, reported::add);
    private final ReferenceDevice cpu = new ReferenceDevice("cpu:0", 1L << 20);
    private final ReferenceDevice accelerator = new ReferenceDevice("opencl:0", 1L << 20);

    @Test
    void useMovesEveryJobToTheNamedDeviceAndReportsIt() {
        add("cpu", 0, cpu);
        add("opencl", 50, accelerator);
        LiveJobs.Job chat = jobs.start("chat", cpu);
        LiveJobs.Job train = jobs.start("train", cpu);
        chat.device().allocate(DType.F32, 10);
        List<LiveJobs.Outcome> outcomes = jobs.moveAll("opencl");
        assertEquals(2, outcomes.size());
        assertSame(accelerator, chat.device().current());
        assertSame(accelerator, train.device().current());
        assertEquals(chat.device().moves().getLast().at(), chat.since());
        assertTrue(reported.getFirst().startsWith("job 'chat' moved from cpu:0 to opencl:0: 1 buffers, 0.0 MB in "),
                reported.toString());
        train.close();
        assertEquals(List.of(chat), jobs.jobs());
    }

    @Test
    void aLeavingBackendsJobsMoveToTheCpuFirst() {
        add("cpu", 0, cpu);
        Map<String, Object> opencl = add("opencl", 50, accelerator);
        LiveJobs.Job chat = jobs.start("chat", accelerator);
        LiveJobs.Job other = jobs.start("other", cpu);
        jobs.removeBackend(registry.all().get(1).backend(), opencl);
        assertSame(cpu, chat.device().current());
        assertEquals(0, other.device().moves().size(), "a job on another backend stays");
        assertEquals(1, reported.size(), reported.toString());
        assertTrue(reported.getFirst().endsWith("(backend 'opencl' is leaving)"), reported.toString());
    }

    @Test
    void backendsLeavingAsTheRuntimeShutsDownMoveNothing() {
        LiveJobs stopping = new LiveJobs(registry, reported::add, null, () -> true);
        add("cpu", 0, cpu);
        Map<String, Object> opencl = add("opencl", 50, accelerator);
        LiveJobs.Job chat = stopping.start("chat", accelerator);
        stopping.removeBackend(registry.all().get(1).backend(), opencl);
        assertSame(accelerator, chat.device().current());
        assertEquals(List.of(), reported);
    }

    @Test
    void withNowhereToGoTheJobStaysAndItIsReported() {
        Map<String, Object> opencl = add("opencl", 50, accelerator);
        LiveJobs.Job chat = jobs.start("chat", accelerator);
        jobs.removeBackend(registry.all().getFirst().backend(), opencl);
        assertSame(accelerator, chat.device().current());
        assertEquals(List.of("job 'chat' stays on opencl:0, whose backend 'opencl' is leaving: "
                + "no other backend is available to move to"), reported);
    }

    private Map<String, Object> add(String name, int preference, Device device) {
        return FixedBackends.register(registry, name, preference, device);
    }
}
