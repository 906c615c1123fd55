package dev.kiln.hal.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelismTest {

    @Test
    void runsEveryBlockExactlyOnce() {
        try (Parallelism threads = Parallelism.fixed(3)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(1000);
            threads.forEach(runs.length(), runs::incrementAndGet);
            for (int i = 0; i < runs.length(); i++) {
                assertEquals(1, runs.get(i), "block " + i);
            }
        }
    }

    @Test
    void spreadsBlocksOverItsThreads() {
        try (Parallelism threads = Parallelism.fixed(2)) {
            assertEquals(2, threadsThatRanSlowBlocks(threads).size());
        }
    }

    @Test
    void serialRunsOnTheCallingThread() {
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        Parallelism.serial().forEach(10, i -> seen.add(Thread.currentThread()));
        assertEquals(Set.of(Thread.currentThread()), seen);
        assertSame(Parallelism.serial(), Parallelism.fixed(1));
    }

    @Test
    void rethrowsAFailureOnlyAfterEveryStartedBlockHasFinished() {
        try (Parallelism threads = Parallelism.fixed(2)) {
            AtomicInteger running = new AtomicInteger();
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                    threads.forEach(8, i -> {
                        running.incrementAndGet();
                        try {
                            sleep(5);
                            if (i == 0) {
                                throw new IllegalStateException("block 0 failed");
                            }
                        } finally {
                            running.decrementAndGet();
                        }
                    }));
            assertEquals("block 0 failed", thrown.getMessage());
            assertEquals(0, running.get());
        }
    }

    @Test
    void nestedCallsOnTheSameThreadsComplete() {
        try (Parallelism threads = Parallelism.fixed(2)) {
            AtomicInteger inner = new AtomicInteger();
            assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> threads.forEach(4, i -> threads.forEach(4, j -> inner.incrementAndGet())));
            assertEquals(16, inner.get());
        }
    }

    @Test
    void callsFromSeveralThreadsAtOnceEachRunTheirOwnBlocks() throws Exception {
        try (Parallelism threads = Parallelism.fixed(2);
                ExecutorService callers = Executors.newFixedThreadPool(4)) {
            List<Future<int[]>> calls = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int call = c;
                calls.add(callers.submit(() -> {
                    int[] out = new int[2000];
                    for (int repeat = 0; repeat < 50; repeat++) {
                        threads.forEach(out.length, i -> out[i] += call + i);
                    }
                    return out;
                }));
            }
            for (int c = 0; c < 4; c++) {
                int[] out = calls.get(c).get(30, TimeUnit.SECONDS);
                for (int i = 0; i < out.length; i++) {
                    assertEquals(50 * (c + i), out[i], "call " + c + ", block " + i);
                }
            }
        }
    }

    @Test
    void aHelperThatHasParkedWakesForTheNextCall() throws InterruptedException {
        try (Parallelism threads = Parallelism.fixed(2)) {
            threads.forEach(2, i -> {});
            Thread.sleep(50); // far past the spin: the helper has parked
            assertEquals(2, threadsThatRanSlowBlocks(threads).size());
        }
    }

    @Test
    void closingStopsTheHelpersAndLaterCallsRunOnTheCaller() throws InterruptedException {
        Parallelism threads = Parallelism.fixed(2);
        Set<Thread> seen = threadsThatRanSlowBlocks(threads);
        seen.remove(Thread.currentThread());
        assertEquals(1, seen.size(), "the helper took part");
        threads.close();
        Thread helper = seen.iterator().next();
        helper.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(helper.isAlive(), "the helper stopped");
        Set<Thread> after = ConcurrentHashMap.newKeySet();
        threads.forEach(16, i -> after.add(Thread.currentThread()));
        assertEquals(Set.of(Thread.currentThread()), after);
    }

    @Test
    void rejectsLessThanOneThread() {
        assertThrows(IllegalArgumentException.class, () -> Parallelism.fixed(0));
    }

    /** The threads that ran a call of 64 blocks of 2 ms each: long enough for every thread to join. */
    private static Set<Thread> threadsThatRanSlowBlocks(Parallelism threads) {
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        threads.forEach(64, i -> {
            seen.add(Thread.currentThread());
            sleep(2);
        });
        return seen;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
