package io.ratestack;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remote limits for tests, without a store: an in-memory limiter behind the {@link RemoteLimit} interface, and a
 * store of slots whose counts a test sets by hand. Shared through the test jar.
 */
public final class RemoteFixtures {

    private RemoteFixtures() {
    }

    /**
     * A remote limiter whose far side is an in-memory limiter that starts its windows at completion, as a shared
     * store does; waits and listeners go through the remote machinery only.
     *
     * @param clock the clock of both sides
     * @param limit uses per period
     * @param per the period
     * @return the remote limiter
     */
    public static RateLimiter remote(FakeClock clock, int limit, Duration per) {
        return RateLimiters.remote(far(clock, limit, per), clock);
    }

    /**
     * The far side of {@link #remote}, to count how often it is asked.
     *
     * @param clock the clock
     * @param limit uses per period
     * @param per the period
     * @return the far side
     */
    public static Far far(FakeClock clock, int limit, Duration per) {
        return new Far(RateLimiters.timesPerBuilder(limit, per).clock(clock).startWindowsAtCompletion(true).build());
    }

    /** An in-memory limiter seen as a remote limit; counts the tries. */
    public static final class Far implements RemoteLimit {
        /** The limiter that keeps the counts. */
        public final RateLimiter limiter;
        /** How often {@link #tryAcquire(int)} was called. */
        public final AtomicInteger tries = new AtomicInteger();

        /** @param limiter the limiter that keeps the counts */
        public Far(RateLimiter limiter) {
            this.limiter = limiter;
        }

        @Override
        public AcquireResult tryAcquire(int cost) {
            tries.incrementAndGet();
            return limiter.tryAcquire(cost);
        }

        @Override
        public State state() {
            return new State(limiter.remaining(), limiter.resetInNanos());
        }
    }

    /**
     * A store with no room that answers its first try at once ("try again in 20 ms") and holds every later try until
     * {@link #answer} is counted down, as a store at its command timeout does; then refuses for an hour.
     */
    public static final class Slow implements RemoteLimit {
        /** Counted down by each held try. */
        public final java.util.concurrent.CountDownLatch asked;
        /** Lets the held tries answer. */
        public final java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        /** The threads held in the store. */
        public final java.util.Set<Thread> askers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final AtomicBoolean refusedOnce = new AtomicBoolean();

        /** @param asked counted down by each held try */
        public Slow(java.util.concurrent.CountDownLatch asked) {
            this.asked = asked;
        }

        @Override
        public AcquireResult tryAcquire(int cost) {
            if (refusedOnce.compareAndSet(false, true)) {
                return new Refusal(Duration.ofMillis(20).toNanos(), 0);
            }
            askers.add(Thread.currentThread());
            asked.countDown();
            try {
                answer.await(30, java.util.concurrent.TimeUnit.SECONDS); // bounded, as the SPI asks
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Refusal(Duration.ofHours(1).toNanos(), 0);
        }

        @Override
        public State state() {
            return new State(0, 0);
        }
    }

    /**
     * A store of {@link #free} slots, set by the test as another instance would change them. A use takes its cost; a
     * cancelled use gives it back, and so does a completed one unless completed uses keep their slots (they count in
     * a window that the test ends by setting {@link #free}). Refusals say {@link #retryAfter}. Subclasses add faults.
     */
    public static class Slots implements RemoteLimit {
        /** Free slots. */
        public final AtomicInteger free;
        /** The retry-after of refusals, in nanoseconds; one second at first. */
        public final AtomicLong retryAfter = new AtomicLong(Duration.ofSeconds(1).toNanos());
        /** How often {@link #tryAcquire(int)} was called. */
        public final AtomicInteger tries = new AtomicInteger();
        private final boolean completedUsesKeepTheirSlot;

        /**
         * @param free the free slots at first
         * @param completedUsesKeepTheirSlot whether closing a use keeps its slot taken
         */
        public Slots(int free, boolean completedUsesKeepTheirSlot) {
            this.free = new AtomicInteger(free);
            this.completedUsesKeepTheirSlot = completedUsesKeepTheirSlot;
        }

        @Override
        public AcquireResult tryAcquire(int cost) {
            tries.incrementAndGet();
            while (true) {
                int now = free.get();
                if (now < cost) {
                    return new Refusal(retryAfter.get(), Math.max(0, now));
                }
                if (free.compareAndSet(now, now - cost)) {
                    return new SlotPermit(cost);
                }
            }
        }

        @Override
        public State state() {
            return new State(Math.max(0, free.get()), 0);
        }

        private final class SlotPermit implements Permit {
            private final int cost;
            private final AtomicBoolean ended = new AtomicBoolean();

            SlotPermit(int cost) {
                this.cost = cost;
            }

            @Override
            public void close() {
                if (ended.compareAndSet(false, true) && !completedUsesKeepTheirSlot) {
                    free.addAndGet(cost);
                }
            }

            @Override
            public void close(int actualCost) {
                close();
            }

            @Override
            public void cancel() {
                if (ended.compareAndSet(false, true)) {
                    free.addAndGet(cost);
                }
            }
        }
    }
}
