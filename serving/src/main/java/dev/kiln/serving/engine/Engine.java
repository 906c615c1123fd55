package dev.kiln.serving.engine;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCachePool;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.serving.metrics.Metrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching: one thread owns the model and steps every running sequence one token at
 * a time, while requests wait in a bounded queue for free slots of the KV-cache pool. Between
 * two steps it admits what fits (prefilling each prompt into its slots), runs pending
 * embeddings, and drops what finished or was cancelled, so requests join and leave the batch at
 * token boundaries. A full queue refuses new submissions ({@link QueueFullException}) rather
 * than letting them wait without bound.
 */
public final class Engine implements AutoCloseable {

    /** The adapter id of requests to the base model. */
    public static final int BASE_MODEL = Adapters.BASE;

    private final CausalLM model;
    private final TensorOps ops;
    private final KvCachePool pool;
    private final RunningBatch batch;
    private final Adapters adapters;
    private final int maxQueue;
    private final Thread thread;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Submission> waiting = new ArrayDeque<>();
    private final ArrayDeque<FutureTask<?>> jobs = new ArrayDeque<>();
    private boolean closed;

    private volatile int runningSequences;
    private volatile int waitingSubmissions;
    private volatile long cachedTokens;
    private volatile boolean alive = true;

    /**
     * Starts the engine thread.
     *
     * @param slots the most sequences generated at once (KV-cache slots)
     * @param capacity tokens per slot: prompt and completion of one sequence
     * @param maxQueue the most submissions that may wait for slots
     */
    public Engine(CausalLM model, TensorOps ops, Tokenizer tokenizer, int slots, int capacity,
            int maxQueue, Metrics metrics) {
        if (maxQueue < 0) {
            throw new IllegalArgumentException("the queue limit must be >= 0, got " + maxQueue);
        }
        this.model = model;
        this.ops = ops;
        this.maxQueue = maxQueue;
        this.pool = model.newCachePool(slots, capacity);
        this.adapters = new Adapters(model, ops);
        this.batch = new RunningBatch(model, ops, tokenizer, pool, metrics, adapters.routing());
        metrics.gauge("requests_running", "Sequences being generated (choices of running requests).",
                () -> runningSequences);
        metrics.gauge("requests_waiting", "Requests queued for a free slot.", () -> waitingSubmissions);
        metrics.gauge("kv_cache_slots", "KV-cache slots: the most sequences generated at once.", pool::slots);
        metrics.gauge("kv_cache_capacity_tokens", "Tokens the KV-cache pool holds at most.",
                () -> (double) pool.slots() * pool.capacity());
        metrics.gauge("kv_cache_tokens", "Tokens the running sequences hold in the KV cache.",
                () -> cachedTokens);
        metrics.gauge("kv_cache_usage_ratio", "Share of the KV-cache pool's tokens in use.",
                () -> cachedTokens / ((double) pool.slots() * pool.capacity()));
        metrics.gauge("kv_cache_bytes", "Memory the KV-cache pool takes.", pool::bytes);
        this.thread = Thread.ofPlatform().name("kiln-engine").daemon(true).unstarted(this::run);
        thread.start();
    }

    public int slots() {
        return pool.slots();
    }

    /** Tokens per slot. */
    public int capacity() {
        return pool.capacity();
    }

    public long cacheBytes() {
        return pool.bytes();
    }

    /** Whether the engine thread is running. */
    public boolean alive() {
        return alive;
    }

    /** The device the model computes on now ({@code cpu:0}, {@code opencl:0}): it moves with {@code kiln backend use}. */
    public String device() {
        return ops.device().name();
    }

    public int runningSequences() {
        return runningSequences;
    }

    public int waitingSubmissions() {
        return waitingSubmissions;
    }

    /**
     * Queues the submissions, all or none: the choices of one request are admitted together
     * when enough slots are free.
     *
     * @throws QueueFullException when the queue has no room for them
     * @throws IllegalArgumentException when one asks for more choices than there are slots
     * @throws IllegalStateException when the engine is closed
     */
    public void submit(List<Submission> submissions) throws QueueFullException {
        for (Submission s : submissions) {
            if (s.choices() > pool.slots()) {
                throw new IllegalArgumentException(s.choices() + " choices do not fit the "
                        + pool.slots() + " slots of the KV-cache pool (--max_num_seqs)");
            }
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the engine is shut down");
            }
            if (waiting.size() + submissions.size() > maxQueue) {
                throw new QueueFullException("the server is at capacity: " + waiting.size()
                        + " requests are waiting for one of " + pool.slots() + " slots");
            }
            waiting.addAll(submissions);
            waitingSubmissions = waiting.size();
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Cancels a submission: it leaves the queue now, or the batch at the next token boundary. */
    public void cancel(Submission submission) {
        submission.cancel();
        lock.lock();
        try {
            waiting.remove(submission);
            waitingSubmissions = waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The mean of the model's last hidden states over {@code ids}, L2-normalized: an embedding,
     * computed on the engine thread between two decoding steps.
     */
    public float[] embed(int[] ids) throws InterruptedException {
        return embed(ids, BASE_MODEL);
    }

    /** {@link #embed(int[])} with an adapter ({@link #BASE_MODEL} for none). */
    public float[] embed(int[] ids, int adapter) throws InterruptedException {
        return onEngineThread(() -> {
            adapters.routing().set(adapter == BASE_MODEL ? null : new int[] {adapter});
            return Embeddings.meanPooled(model, ops, ids);
        });
    }

    /**
     * Loads an adapter directory with its tuner onto the served model, between two decoding
     * steps; returns the id that submissions name it by. The base model and other adapters
     * are served on, unchanged.
     *
     * @throws IOException naming what is missing or malformed in the directory
     * @throws IllegalArgumentException when the adapter does not fit the model
     */
    public int loadAdapter(Tuner tuner, Path directory) throws IOException, InterruptedException {
        try {
            return onEngineThread(() -> adapters.load(tuner, directory));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Unloads an adapter.
     *
     * @throws IllegalStateException when a running or waiting request still uses it
     */
    public void unloadAdapter(int adapter) throws InterruptedException {
        onEngineThread(() -> {
            boolean queued;
            lock.lock();
            try {
                queued = waiting.stream().anyMatch(s -> s.adapter() == adapter && !s.cancelled());
            } finally {
                lock.unlock();
            }
            if (queued || batch.uses(adapter)) {
                throw new IllegalStateException("the adapter is in use by running or waiting requests");
            }
            adapters.unload(adapter);
            return null;
        });
    }

    private <T> T onEngineThread(Callable<T> job) throws InterruptedException {
        FutureTask<T> task = new FutureTask<>(job);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the engine is shut down");
            }
            jobs.add(task);
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException(e.getCause().toString(), e.getCause());
        }
    }

    /** Stops the engine thread; what is queued or running fails. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("try") // gradients stay off while the mode is open
    private void run() {
        try (GradMode off = ops.noGrad()) {
            while (true) {
                List<Submission> admitted = new ArrayList<>();
                List<FutureTask<?>> pending;
                lock.lock();
                try {
                    while (!closed && batch.isEmpty() && waiting.isEmpty() && jobs.isEmpty()) {
                        work.await();
                    }
                    if (closed) {
                        break;
                    }
                    pending = new ArrayList<>(jobs);
                    jobs.clear();
                    int free = batch.freeSlots();
                    // first come, first served: a request waits while the one before it does not fit
                    while (!waiting.isEmpty() && waiting.peek().choices() <= free) {
                        Submission next = waiting.poll();
                        admitted.add(next);
                        free -= next.choices();
                    }
                    waitingSubmissions = waiting.size();
                } finally {
                    lock.unlock();
                }
                pending.forEach(FutureTask::run);
                for (Submission submission : admitted) {
                    admit(submission);
                }
                if (!batch.isEmpty()) {
                    step();
                }
                runningSequences = batch.size();
                cachedTokens = batch.cachedTokens();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            alive = false;
            shutDown();
        }
    }

    private void admit(Submission submission) {
        if (submission.cancelled()) {
            return;
        }
        try {
            batch.admit(submission);
        } catch (RuntimeException | OutOfMemoryError e) {
            submission.cancel(); // frees the slots of the choices admitted before the failure
            batch.compact();
            submission.emit(new Submission.Failed("the prompt could not be prefilled: " + describe(e)));
        }
    }

    private void step() {
        try {
            batch.step();
        } catch (RuntimeException | OutOfMemoryError e) {
            batch.failAll("generation failed: " + describe(e));
        }
    }

    private void shutDown() {
        lock.lock();
        try {
            closed = true;
            waiting.forEach(s -> s.emit(new Submission.Failed("the server is shutting down")));
            waiting.clear();
            jobs.forEach(job -> job.cancel(false));
            jobs.clear();
        } finally {
            lock.unlock();
        }
        batch.failAll("the server is shutting down");
        pool.close();
        adapters.close();
    }

    private static String describe(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
