package io.ratestack;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * {@code limit} uses per {@code per + resetOffset}, as slowstack's {@code TimesPerRateLimiter}.
 *
 * <p>{@code remaining = limit - used - inFlight}. An acquire takes an in-flight slot per unit of its cost; completing
 * it makes them used slots (as many as the cost it settles), cancelling it frees them at once. A window starts when the first use of a fresh window completes and ends one
 * period later; then {@code used} drops to zero (in-flight uses keep their slots). If waiters are left after those
 * the end admitted, the next window starts at once. Windows end lazily, on the next look at the clock; a timer runs
 * only while something waits for this limiter or listens to it.
 */
final class TimesPerLimiter extends Part {

    private static final long serialVersionUID = 1L;

    /**
     * The terms of a times-per limiter, shared by all the limiters one builder makes: a starter that keeps a limiter
     * per client keeps these once.
     */
    record Terms(int limit, long periodNanos, Duration per, Duration resetOffset, Clock clock, @Nullable String name,
            boolean restartWithWaiters) {
    }

    final Terms terms;

    // Guarded by this limiter's lock.
    int used;
    int inFlight;
    boolean windowRunning;
    long windowEnd;

    TimesPerLimiter(Terms terms) {
        this.terms = terms;
    }

    @Override
    Clock clock() {
        return terms.clock;
    }

    /**
     * Reads without the lock when nothing waits for or listens to this limiter: a window that is over counts as
     * ended without being rolled (the next locked operation rolls it). The counts may be a moment old, as any read
     * of a limiter others use is; response headers read every leaf on every request, and a lock there would make
     * one busy client's requests queue for it.
     */
    @Override
    long read(int what) {
        if (support != null || closed) {
            return super.read(what);
        }
        long now = terms.clock.nanoTime();
        boolean running = windowRunning;
        long end = windowEnd;
        boolean over = running && now - end >= 0;
        int usedNow = over ? 0 : used;
        int free = Math.max(0, terms.limit - usedNow - inFlight);
        return switch (what) {
            case OPEN -> free > 0 ? 1 : 0;
            case REMAINING -> free;
            case RESET_IN -> running && !over ? end - now : 0L;
            default -> super.read(what);
        };
    }

    // ---- the algorithm, guarded by the lock ----

    /** Ends the window if {@code now} is past it. */
    @Override
    void advance(long now) {
        if (windowRunning && now - windowEnd >= 0) {
            windowRunning = false;
            boolean freed = used > 0;
            used = 0;
            PartSupport s = support;
            if (s != null) {
                if (freed) {
                    s.events |= PartSupport.GREW | PartSupport.CHANGED;
                }
                if (terms.restartWithWaiters && !s.queue.isEmpty()) {
                    s.restartPending = true;
                    s.resetAt = windowEnd;
                }
            }
        }
    }

    @Override
    boolean fits(int cost) {
        return room() >= cost;
    }

    /** Takes {@code cost} in-flight slots. */
    @Override
    void take(int cost) {
        inFlight += cost;
        assert used + inFlight <= terms.limit : this + " admitted more than its limit";
    }

    @Override
    void untake(int cost) {
        inFlight -= cost;
    }

    /**
     * Frees the use's {@code cost} in-flight slots and counts {@code actual} used ones, starting the window if none
     * runs; {@code used} may pass the limit when {@code actual > cost} (nothing is admitted until the window ends).
     * An {@code actual} of zero counts nothing and starts no window: a cancel.
     */
    @Override
    void release(int cost, int actual, long now) {
        inFlight -= cost;
        if (actual > 0) {
            used = (int) Math.min(Integer.MAX_VALUE, (long) used + actual);
            if (!windowRunning) {
                windowRunning = true;
                windowEnd = now + terms.periodNanos;
            }
            mark(actual < cost ? PartSupport.GREW | PartSupport.CHANGED : PartSupport.CHANGED);
        } else {
            mark(PartSupport.GREW | PartSupport.CHANGED);
        }
        assert used >= 0 && inFlight >= 0 && inFlight <= terms.limit : this + " broke its counts";
    }

    @Override
    int room() {
        return Math.max(0, terms.limit - used - inFlight);
    }

    @Override
    int maxCost() {
        return terms.limit;
    }

    /**
     * Zero if the slots are free; else until the window ends if that frees enough (it holds used slots); else (the
     * slots are in flight) a period.
     */
    @Override
    long retryAfter(long now, int cost) {
        if (fits(cost)) {
            return 0L;
        } else if (windowRunning && used > 0 && cost <= terms.limit - inFlight) {
            return Math.max(0L, windowEnd - now);
        } else {
            return terms.periodNanos;
        }
    }

    /** Until the window ends, if it holds used slots and its end frees {@code wanted}. */
    @Override
    long growsIn(long now, int wanted) {
        return windowRunning && used > 0 && wanted <= terms.limit - inFlight ? windowEnd - now : NO_GROWTH;
    }

    /** Until the window ends, or a period when none runs. */
    @Override
    long nextFreeIn(long now) {
        return windowRunning ? windowEnd - now : terms.periodNanos;
    }

    @Override
    long resetIn(long now) {
        return windowRunning ? Math.max(0L, windowEnd - now) : 0L;
    }

    /**
     * A window that ended while waiters were queued restarts at its end if they still are once the pass is over
     * ({@link Terms#restartWithWaiters}), so a queue is served in windows of the period.
     */
    @Override
    void servedLocked(long now, PartSupport s) {
        if (s.restartPending) {
            s.restartPending = false;
            if (!windowRunning && !s.queue.isEmpty() && now - s.resetAt < terms.periodNanos) {
                windowRunning = true;
                windowEnd = s.resetAt + terms.periodNanos;
            }
        }
    }

    @Override
    public String toString() {
        String text = terms.limit + " per " + terms.per
                + (terms.resetOffset.isZero() ? "" : " offset " + terms.resetOffset);
        return "timesPer(" + (terms.name == null ? text : terms.name + ": " + text) + ")";
    }
}
