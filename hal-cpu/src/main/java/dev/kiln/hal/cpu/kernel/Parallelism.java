package dev.kiln.hal.cpu.kernel;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed set of threads that runs the independent blocks of one kernel call: the calling thread
 * plus {@code threads - 1} helper threads, started once and reused for every call.
 *
 * <p>Blocks are claimed dynamically, so which thread runs a block varies from run to run. Kernels
 * stay deterministic by making every block self-contained: each output element belongs to
 * exactly one block, and a block's arithmetic does not depend on the thread that runs it.
 *
 * <p>A call returns only after every block has finished, even when one of them threw. Nested and
 * concurrent calls cannot deadlock: each caller runs every block of its own call that no helper
 * has claimed, so helpers only ever speed a call up, and a helper that misses a call (busy with
 * another, or waking late) costs time, never progress.
 *
 * <p><b>Spinning.</b> Decoding makes ~100 kernel calls per token of 20-150 µs each. Waking a
 * parked thread takes tens of µs on a VM, and the caller parking while the helper finishes its
 * last block costs as much again, so parked hand-offs held a decoding GEMV to about one core's
 * read bandwidth. Helpers therefore spin (with {@link Thread#onSpinWait}) for
 * {@link #SPIN_NANOS} after each call before they park, and the caller spins as long for the
 * helpers' last blocks before it parks. An idle device so costs at most that much CPU after its
 * last call; {@code -Dkiln.cpu.spinMicros=0} parks at once, for machines whose cores are shared
 * with other busy processes.
 */
public final class Parallelism implements AutoCloseable {

    /** How long a thread spins for work (or for a call's last blocks) before it parks. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("kiln.cpu.spinMicros", 200));

    private static final Parallelism SERIAL = new Parallelism(1);

    private final int threads;
    private final Helper[] helpers;
    /**
     * The latest call while it runs, which idle helpers join; older calls finish on their callers'
     * threads. Cleared when it ends, so that an idle pool holds nothing its last call captured.
     */
    private final AtomicReference<Job> current = new AtomicReference<>();
    private final AtomicLong calls = new AtomicLong();
    private volatile boolean closed;

    private Parallelism(int threads) {
        this.threads = threads;
        this.helpers = new Helper[threads - 1];
        for (int h = 0; h < helpers.length; h++) {
            helpers[h] = new Helper("kiln-cpu-" + (h + 1));
            helpers[h].thread.start();
        }
    }

    /** Everything on the calling thread; no threads are started. */
    public static Parallelism serial() {
        return SERIAL;
    }

    /** The calling thread plus {@code threads - 1} helpers; close it to stop the helpers. */
    public static Parallelism fixed(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
        return threads == 1 ? SERIAL : new Parallelism(threads);
    }

    /** One thread per processor the JVM may use. */
    public static Parallelism allCores() {
        return fixed(Runtime.getRuntime().availableProcessors());
    }

    /** How many threads run blocks at once, the caller included. */
    public int threads() {
        return threads;
    }

    /** Runs {@code block.accept(i)} for every i in [0, blocks), spread over the threads. */
    public void forEach(int blocks, IntConsumer block) {
        if (blocks <= 0) {
            return;
        }
        if (helpers.length == 0 || blocks == 1 || closed) {
            for (int i = 0; i < blocks; i++) {
                block.accept(i);
            }
            return;
        }
        Job job = new Job(calls.incrementAndGet(), blocks, block, Thread.currentThread());
        Job outer = current.getAndSet(job); // a call that runs this one from inside a block, or another thread's
        // Spinning helpers see the call by themselves; wake parked ones only for blocks to share.
        int wanted = Math.min(helpers.length, blocks - 1);
        for (int h = 0; h < helpers.length && wanted > 0; h++) {
            if (helpers[h].wakeIfParked()) {
                wanted--;
            }
        }
        try {
            job.drain();
            job.awaitAndRethrow();
        } finally {
            current.compareAndSet(job, outer != null && !outer.isFinished() ? outer : null);
        }
    }

    /** Stops the helper threads once they finish the blocks they hold. */
    @Override
    public void close() {
        closed = true;
        for (Helper helper : helpers) {
            LockSupport.unpark(helper.thread);
        }
    }

    /** A helper thread: runs the latest call's blocks, spins a while for the next call, then parks. */
    private final class Helper implements Runnable {
        final Thread thread;
        /** Set while parked (or about to park), so that a caller knows to unpark it. */
        private volatile boolean parked;

        Helper(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        boolean wakeIfParked() {
            if (parked) {
                LockSupport.unpark(thread);
                return true;
            }
            return false;
        }

        @Override
        public void run() {
            long joined = 0;
            while (!closed) {
                Job job = awaitCallAfter(joined);
                if (job != null) {
                    joined = job.number;
                    job.drain();
                }
            }
        }

        /** A running call later than call number {@code joined}, or null when the pool closed meanwhile. */
        private Job awaitCallAfter(long joined) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (!closed) {
                Job job = current.get();
                if (job != null && job.number != joined) {
                    return job;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                // Parked is published before the last look at current: a caller that stores a
                // new call after that look sees parked and unparks this thread.
                parked = true;
                Job last = current.get();
                if ((last == null || last.number == joined) && !closed) {
                    LockSupport.park(this);
                }
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
            return null;
        }
    }

    /** One forEach call: a counter that threads claim blocks from, and a count of finished ones. */
    private static final class Job {
        /** Calls are numbered so that a helper can tell a new call from the one it last joined. */
        private final long number;
        private final int blocks;
        private final IntConsumer block;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** Set while the caller parks for the last blocks, so that whoever finishes them unparks it. */
        private volatile boolean callerParked;

        Job(long number, int blocks, IntConsumer block, Thread caller) {
            this.number = number;
            this.blocks = blocks;
            this.block = block;
            this.caller = caller;
        }

        void drain() {
            int ran = 0;
            for (int i = next.getAndIncrement(); i < blocks; i = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        block.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    ran++;
                }
            }
            if (ran > 0 && finished.addAndGet(ran) == blocks && callerParked) {
                LockSupport.unpark(caller);
            }
        }

        boolean isFinished() {
            return finished.get() == blocks;
        }

        void awaitAndRethrow() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            boolean interrupted = false;
            while (finished.get() < blocks) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                callerParked = true;
                if (finished.get() < blocks) {
                    // Helpers may still be writing into the caller's arrays: an interrupt waits them out.
                    interrupted |= Thread.interrupted();
                    LockSupport.park(this);
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }
}
