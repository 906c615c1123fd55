package dev.kiln.core.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A request, from another thread (a signal handler), that a run stop at the next step boundary
 * after saving a checkpoint; the requester can wait until it has.
 */
public final class StopRequest {

    private volatile boolean requested;
    private final CountDownLatch finished = new CountDownLatch(1);

    public void request() {
        requested = true;
    }

    public boolean isRequested() {
        return requested;
    }

    /** Called by the trainer when it has stopped (saved or not). */
    void finished() {
        finished.countDown();
    }

    /** Waits until the trainer stopped; false on timeout. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }
}
