package dev.kiln.itests;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.kiln.itests.sample.activator.FailingActivator;
import dev.kiln.itests.sample.broken.ExplodingCommand;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * A broken plugin is reported by {@code kiln plugins} with the reason, and the platform keeps
 * serving: the kernel's commands still run.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FaultIsolationTest {

    @Inject
    private BundleContext context;

    private Kiln kiln;
    private Plugins plugins;

    @Configuration
    public Option[] configuration() {
        return KilnPlatform.options();
    }

    @Before
    public void setUp() {
        kiln = new Kiln(context);
        plugins = new Plugins(context);
    }

    @After
    public void uninstallPlugins() throws Exception {
        plugins.uninstallAll();
    }

    @Test
    public void componentThatFailsToActivateIsReportedAndIsolated() throws Exception {
        Bundle plugin = plugins.installAndStart(SamplePlugin.EXPLODING);
        // A failing component does not fail its bundle: the bundle is up, the component is not.
        assertEquals(Bundle.ACTIVE, plugin.getState());

        Kiln.Result report = Services.until(() -> kiln.run("plugins"),
                r -> r.out().contains("failed to activate"));
        assertEquals(report.toString(), 0, report.exitCode());
        String problem = problemOf(report, plugin);
        assertThat(problem, containsString("failed to activate"));
        assertThat(problem, containsString(ExplodingCommand.FAILURE));

        assertPlatformServes();
    }

    @Test
    public void bundleWhoseActivatorFailsIsReportedAndIsolated() throws Exception {
        Bundle plugin = plugins.install(SamplePlugin.FAILING_ACTIVATOR);

        BundleException failure = assertThrows(BundleException.class, plugin::start);
        assertEquals(BundleException.ACTIVATOR_ERROR, failure.getType());
        assertThat(String.valueOf(failure.getCause()), containsString(FailingActivator.FAILURE));
        assertNotEquals(Bundle.ACTIVE, plugin.getState());

        Kiln.Result report = kiln.run("plugins");
        assertEquals(report.toString(), 0, report.exitCode());
        assertThat(problemOf(report, plugin), containsString("did not start"));

        assertPlatformServes();
    }

    /** The line under "Problems:" of {@code kiln plugins} that names the bundle. */
    private static String problemOf(Kiln.Result plugins, Bundle bundle) {
        String output = plugins.out();
        int problems = output.indexOf("\nProblems:\n");
        assertTrue("'kiln plugins' reports no problems:\n" + plugins, problems >= 0);
        String name = bundle.getSymbolicName() + " [" + bundle.getBundleId() + "]";
        return output.substring(problems).lines()
                .filter(line -> line.contains(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("'kiln plugins' reports no problem with "
                        + name + ":\n" + plugins));
    }

    /** The kernel's own commands still run, and succeed. */
    private void assertPlatformServes() {
        Kiln.Result backends = kiln.run("backends");
        assertEquals(backends.toString(), 0, backends.exitCode());
        assertThat(backends.out(), containsString(" cpu "));

        Kiln.Result help = kiln.run("--help");
        assertEquals(help.toString(), 0, help.exitCode());
        assertTrue("--help does not offer 'plugins':\n" + help, help.listsCommand("plugins"));
    }
}
