package dev.kiln.core.train.job;

import dev.kiln.core.train.StopRequest;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) and SIGTERM during training: the first asks the trainer to stop after saving a
 * checkpoint, a second one exits at once.
 *
 * <p>The JVM's own handling of these signals starts the shutdown hooks, and the launcher's hook
 * stops the OSGi framework, backends included, while the trainer would still be saving. So the
 * signals are caught with the JDK's {@code sun.misc.Signal} (jdk.unsupported, reached through the
 * system class loader, as a bundle does not import it) while a run trains, and the previous
 * handlers are put back when it ends. Where that API is missing, a shutdown hook asks the trainer
 * to stop and waits for its checkpoint instead.
 */
final class InterruptSignals implements AutoCloseable {

    private static final List<String> SIGNALS = List.of("INT", "TERM");
    private static final long HOOK_WAIT_SECONDS = 120;

    private final List<Runnable> restore = new ArrayList<>();

    private InterruptSignals() {}

    /** Routes Ctrl-C and SIGTERM to {@code stop} until closed. */
    static InterruptSignals install(StopRequest stop, PrintStream err) {
        InterruptSignals signals = new InterruptSignals();
        if (!signals.handleSignals(stop, err)) {
            signals.addShutdownHook(stop, err);
        }
        return signals;
    }

    private boolean handleSignals(StopRequest stop, PrintStream err) {
        try {
            ClassLoader system = ClassLoader.getSystemClassLoader();
            Class<?> signalClass = Class.forName("sun.misc.Signal", true, system);
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler", true, system);
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Method raise = signalClass.getMethod("raise", signalClass);
            for (String name : SIGNALS) {
                Object signal = signalClass.getConstructor(String.class).newInstance(name);
                Object[] previous = new Object[1];
                InvocationHandler onSignal = (proxy, method, args) -> {
                    if (!method.getName().equals("handle")) {
                        return method.invoke(this, args); // equals, hashCode, toString
                    }
                    if (stop.isRequested()) { // the second time: leave now
                        handle.invoke(null, signal, previous[0]);
                        raise.invoke(null, signal);
                        return null;
                    }
                    err.println();
                    err.println("kiln: SIG" + name + ": saving a checkpoint, then stopping"
                            + " (again to quit at once)");
                    stop.request();
                    return null;
                };
                Object handler = Proxy.newProxyInstance(system, new Class<?>[] {handlerClass}, onSignal);
                previous[0] = handle.invoke(null, signal, handler);
                restore.add(() -> {
                    try {
                        handle.invoke(null, signal, previous[0]);
                    } catch (ReflectiveOperationException ignored) {
                        // the handler stays; it only asks a finished trainer to stop
                    }
                });
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            close();
            return false;
        }
    }

    private void addShutdownHook(StopRequest stop, PrintStream err) {
        Thread hook = new Thread(() -> {
            err.println("kiln: stopping: saving a checkpoint first");
            stop.request();
            try {
                stop.awaitFinished(HOOK_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kiln-train-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        restore.add(() -> {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        });
    }

    @Override
    public void close() {
        restore.forEach(Runnable::run);
        restore.clear();
    }
}
