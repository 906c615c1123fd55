package dev.kiln.hal.cpu.kernel;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * A fixed set of threads that runs the independent blocks of one kernel call: the calling thread
 * plus {@code threads - 1} helper threads, started once and reused for every call.
 *
 * <p>Blocks are claimed dynamically, so which thread runs a block varies from run to run. Kernels
 * stay deterministic by making every block self-contained: each output element belongs to
 * exactly one block, and a block's arithmetic does not depend on the thread that runs it.
 *
 * <p>A call returns only after every block has finished, even when one of them threw. Nested
 * calls cannot deadlock: the caller runs any block no helper has claimed yet, and helpers that
 * arrive late find nothing left to do.
 */
public final class Parallelism implements AutoCloseable {

    private static final Parallelism SERIAL = new Parallelism(1);

    private final int threads;
    private final ExecutorService helpers;

    private Parallelism(int threads) {
        this.threads = threads;
        this.helpers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, helperThreads());
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
        if (helpers == null || blocks == 1) {
            for (int i = 0; i < blocks; i++) {
                block.accept(i);
            }
            return;
        }
        Job job = new Job(blocks, block);
        for (int h = Math.min(threads, blocks) - 1; h > 0; h--) {
            helpers.execute(job::drain);
        }
        job.drain();
        job.awaitAndRethrow();
    }

    /** Stops the helper threads; blocks already handed to them still finish. */
    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdown();
        }
    }

    /** One forEach call: a counter that threads claim blocks from, and a count of finished ones. */
    private static final class Job {
        private final int blocks;
        private final IntConsumer block;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch finished;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int blocks, IntConsumer block) {
            this.blocks = blocks;
            this.block = block;
            this.finished = new CountDownLatch(blocks);
        }

        void drain() {
            for (int i = next.getAndIncrement(); i < blocks; i = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        block.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    finished.countDown();
                }
            }
        }

        void awaitAndRethrow() {
            boolean interrupted = false;
            while (true) {
                try {
                    finished.await();
                    break;
                } catch (InterruptedException e) {
                    // Helpers may still be writing into the caller's arrays: wait them out.
                    interrupted = true;
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

    private static ThreadFactory helperThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, "kiln-cpu-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
