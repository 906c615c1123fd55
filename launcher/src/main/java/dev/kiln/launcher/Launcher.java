package dev.kiln.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Boots Felix with the bundles of an {@link Installation}, finds the kernel's command-line
 * service and runs the command line in it. The launcher knows no plugin and no command: it only
 * knows which folders to install for which kind of runtime.
 */
final class Launcher {

    /** The service the kernel registers to run command lines; see kernel-core's KilnCommandLine. */
    static final String ENTRY_POINT_FILTER = "(kiln.entrypoint=cli)";

    private static final long KERNEL_WAIT_MILLIS = 10_000;
    private static final long STOP_WAIT_MILLIS = 10_000;

    private final Installation installation;
    private final PrintStream out;
    private final PrintStream err;

    Launcher(Installation installation, PrintStream out, PrintStream err) {
        this.installation = installation;
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) {
        Path cwd = Path.of(System.getProperty("kiln.cwd", System.getProperty("user.dir")));
        Path storage = null;
        Framework framework = null;
        AtomicBoolean stopped = new AtomicBoolean();
        try {
            LaunchArguments args = LaunchArguments.parse(argv, cwd);
            Path pluginsDir = pluginsDir(args);
            storage = Files.createTempDirectory("kiln-felix-");
            Map<String, String> properties =
                    FrameworkProperties.build(installation, storage, pluginsDir, args.mode());
            framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                    .orElseThrow(() -> new LaunchException("no OSGi framework on the class path", 1))
                    .newFramework(properties);
            framework.init();
            Framework fw = framework;
            Path storageDir = storage;
            Thread shutdown = new Thread(() -> stop(fw, storageDir, stopped), "kiln-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdown);

            BundleDeployer deployer = new BundleDeployer(framework.getBundleContext(), err);
            List<Bundle> core = deployer.install(installation.coreBundles());
            List<Bundle> extra = new ArrayList<>();
            switch (args.mode()) {
                case ONE_SHOT -> extra.addAll(deployer.install(pluginsDir));
                case APP -> extra.addAll(deployer.install(installation.runtimeBundles()));
                case SHELL -> {
                    extra.addAll(deployer.install(installation.shellBundles()));
                    extra.addAll(deployer.install(installation.runtimeBundles()));
                }
            }
            framework.start();
            deployer.start(core);
            deployer.start(extra);

            int code = runCommandLine(framework, args.args(), cwd);
            try {
                Runtime.getRuntime().removeShutdownHook(shutdown);
            } catch (IllegalStateException shuttingDown) {
                return code;
            }
            stop(framework, storage, stopped);
            return code;
        } catch (LaunchException e) {
            err.println("kiln: " + e.getMessage());
            stop(framework, storage, stopped);
            return e.exitCode();
        } catch (BundleException | IOException | RuntimeException e) {
            err.println("kiln: the runtime failed to start: " + e);
            stop(framework, storage, stopped);
            return 1;
        }
    }

    private Path pluginsDir(LaunchArguments args) throws LaunchException {
        if (args.pluginsDir().isPresent()) {
            Path dir = args.pluginsDir().get();
            if (!Files.isDirectory(dir)) {
                throw new LaunchException("plugins folder does not exist: " + dir, 2);
            }
            return dir;
        }
        Path dir = installation.defaultPluginsDir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LaunchException("cannot create the plugins folder " + dir + ": " + e, 1);
        }
        return dir;
    }

    private int runCommandLine(Framework framework, List<String> args, Path cwd)
            throws LaunchException {
        Object cli = awaitCommandLine(framework);
        try {
            Method run = cli.getClass().getMethod("run",
                    String[].class, PrintStream.class, PrintStream.class, String.class);
            return (Integer) run.invoke(cli, args.toArray(String[]::new), out, err, cwd.toString());
        } catch (InvocationTargetException e) {
            err.println("kiln: the command line failed: " + e.getCause());
            e.getCause().printStackTrace(err);
            return 1;
        } catch (ReflectiveOperationException e) {
            throw new LaunchException("the kernel's command line service does not fit this "
                    + "launcher (" + e + "): are launcher and kernel-core from the same build?", 1);
        }
    }

    private Object awaitCommandLine(Framework framework) throws LaunchException {
        Filter filter;
        try {
            filter = FrameworkUtil.createFilter(ENTRY_POINT_FILTER);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        ServiceTracker<Object, Object> tracker =
                new ServiceTracker<>(framework.getBundleContext(), filter, null);
        tracker.open(true);
        try {
            Object service = tracker.waitForService(KERNEL_WAIT_MILLIS);
            if (service == null) {
                throw new LaunchException("the kernel did not start: no command line service "
                        + "within " + KERNEL_WAIT_MILLIS / 1000 + " s (see the errors above)", 1);
            }
            return service;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("interrupted while the kernel started", 1);
        } finally {
            tracker.close();
        }
    }

    private void stop(Framework framework, Path storage, AtomicBoolean stopped) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        if (framework != null) {
            try {
                framework.stop();
                framework.waitForStop(STOP_WAIT_MILLIS);
            } catch (BundleException | RuntimeException e) {
                err.println("kiln: error while stopping the runtime: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (storage != null) {
            deleteRecursively(storage);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary cache left behind is harmless; the next run uses a new one.
        }
    }
}
