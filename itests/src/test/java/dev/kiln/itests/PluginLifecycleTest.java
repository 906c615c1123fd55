package dev.kiln.itests;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.not;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.kiln.itests.sample.v1.SampleBackend;
import java.io.InputStream;
import java.nio.file.Files;
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
import org.osgi.framework.Version;

/**
 * A plugin installed into the running platform brings its command and backend; updating it
 * changes what the command does; uninstalling it takes the command away.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginLifecycleTest {

    private static final String GREET = "(kiln.command.name=greet)";
    private static final String V1_GREETING = dev.kiln.itests.sample.v1.GreetCommand.GREETING;
    private static final String V2_GREETING = dev.kiln.itests.sample.v2.GreetCommand.GREETING;

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
    public void installedPluginAddsItsCommand() throws Exception {
        plugins.installAndStart(SamplePlugin.GREET_V1);
        Services.await(context, GREET);

        Kiln.Result help = kiln.run("--help");
        assertTrue("--help does not offer 'greet':\n" + help, help.listsCommand("greet"));

        Kiln.Result greet = kiln.run("greet");
        assertEquals(greet.toString(), 0, greet.exitCode());
        assertThat(greet.out(), containsString(V1_GREETING));
    }

    @Test
    public void installedPluginAddsItsBackend() throws Exception {
        plugins.installAndStart(SamplePlugin.GREET_V1);
        Services.await(context, "(kiln.backend.name=sample)");

        Kiln.Result backends = kiln.run("backends");
        assertEquals(backends.toString(), 0, backends.exitCode());
        String sampleRow = backends.out().lines()
                .filter(line -> line.contains(" sample "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("'kiln backends' does not list sample:\n"
                        + backends));
        assertThat(sampleRow, containsString("no: " + SampleBackend.UNAVAILABLE_REASON));
    }

    @Test
    public void updatedPluginRunsItsNewVersion() throws Exception {
        Bundle plugin = plugins.installAndStart(SamplePlugin.GREET_V1);
        Services.await(context, GREET);

        try (InputStream v2 = Files.newInputStream(SamplePlugin.GREET_V2.jar())) {
            plugin.update(v2);
        }
        assertEquals(Version.parseVersion(SamplePlugin.GREET_V2.version), plugin.getVersion());
        assertEquals(Bundle.ACTIVE, plugin.getState());
        Services.await(context, GREET);

        Kiln.Result greet = kiln.run("greet");
        assertEquals(greet.toString(), 0, greet.exitCode());
        assertThat(greet.out(), containsString(V2_GREETING));
        assertThat(greet.out(), not(containsString(V1_GREETING)));
    }

    @Test
    public void uninstalledPluginTakesItsCommandAway() throws Exception {
        Bundle plugin = plugins.installAndStart(SamplePlugin.GREET_V1);
        Services.await(context, GREET);

        plugin.uninstall();

        Kiln.Result help = Services.until(() -> kiln.run("--help"), h -> !h.listsCommand("greet"));
        assertFalse("--help still offers 'greet':\n" + help, help.listsCommand("greet"));
        Kiln.Result greet = kiln.run("greet");
        assertEquals(greet.toString(), Kiln.USAGE_ERROR, greet.exitCode());
        assertThat(greet.err(), containsString("unknown command 'greet'"));
    }
}
