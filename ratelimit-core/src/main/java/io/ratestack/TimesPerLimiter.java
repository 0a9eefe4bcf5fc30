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

    /*
     * The counts live in the word (Mutex): used slots in bits 31-61 (at most the limit: any more counts as the limit,
     * which admits nothing until the window ends all the same), in-flight slots in bits 0-30. While nothing waits for
     * or listens to this limiter (SLOW unset), a window runs exactly while used > 0: only a queue restarts a window
     * with nothing used. Written under the lock, read by the lock-free paths after the word that published them.
     */
    private static final int USED_SHIFT = 31;
    private static final long IN_FLIGHT_MASK = (1L << USED_SHIFT) - 1;

    boolean windowRunning;
    long windowEnd;

    TimesPerLimiter(Terms terms) {
        this.terms = terms;
    }

    private static int used(long word) {
        return (int) ((word & BITS) >>> USED_SHIFT);
    }

    private static int inFlight(long word) {
        return (int) (word & IN_FLIGHT_MASK);
    }

    private static long counts(long used, long inFlight) {
        return used << USED_SHIFT | inFlight;
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
        long word = getState();
        if ((word & SLOW) != 0) {
            return super.read(what);
        }
        long now = terms.clock.nanoTime();
        int used = used(word);
        long end = windowEnd;
        boolean running = used > 0;
        boolean over = running && now - end >= 0;
        int free = Math.max(0, terms.limit - (over ? 0 : used) - inFlight(word));
        return switch (what) {
            case OPEN -> free > 0 ? 1 : 0;
            case REMAINING -> free;
            case RESET_IN -> running && !over ? end - now : 0L;
            default -> super.read(what);
        };
    }

    /**
     * Takes the slots by one compare-and-set when they are free; refuses without changing anything while the window
     * that holds them runs; leaves the rest to the lock (a window that is over, a cost above the limit). The clock is
     * read only to refuse.
     */
    @Override
    @Nullable AcquireResult tryAcquireLockFree(int cost) {
        int limit = terms.limit;
        if (cost > limit) {
            return null;
        }
        long word;
        while (((word = getState()) & LOCKED_PATH) == 0) {
            int used = used(word);
            int inFlight = inFlight(word);
            if ((long) used + inFlight + cost <= limit) {
                if (compareAndSetState(word, word + cost)) {
                    return new LeafPermit(this, cost);
                }
                continue;
            }
            if (used == 0) { // all in flight: no window to wait for
                return new Refusal(terms.periodNanos, limit - inFlight);
            }
            long end = windowEnd;
            long now = terms.clock.nanoTime();
            if (now - end >= 0) {
                return null;
            }
            if (getState() == word) {
                return new Refusal(cost <= limit - inFlight ? end - now : terms.periodNanos,
                        Math.max(0, limit - used - inFlight));
            }
        }
        return null;
    }

    /** A completion reads the clock: see {@link #releaseLockFree(int, int, long)}. */
    @Override
    boolean releaseLockFree(int cost, int actual) {
        return releaseLockFree(cost, actual, actual == 0 ? 0L : terms.clock.nanoTime());
    }

    /**
     * A cancel frees its slots by one compare-and-set; a completion counts its used slots so while the window it
     * falls in runs at {@code now}; the lock starts and ends windows.
     */
    @Override
    boolean releaseLockFree(int cost, int actual, long now) {
        long word;
        while (((word = getState()) & LOCKED_PATH) == 0) {
            long next;
            if (actual == 0) {
                next = word - cost;
            } else {
                int used = used(word);
                if (used == 0 || now - windowEnd >= 0) {
                    return false;
                }
                next = counts(Math.min((long) used + actual, terms.limit), inFlight(word) - cost);
            }
            if (compareAndSetState(word, next)) {
                return true;
            }
        }
        return false;
    }

    // ---- the algorithm, guarded by the lock ----

    /** Ends the window if {@code now} is past it. */
    @Override
    void advance(long now) {
        if (windowRunning && now - windowEnd >= 0) {
            windowRunning = false;
            long word = bits();
            boolean freed = used(word) > 0;
            setBitsLocked(counts(0, inFlight(word)));
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

    /** Takes {@code cost} in-flight slots: the word's low bits. */
    @Override
    void take(int cost) {
        long word = bits() + cost;
        assert used(word) + inFlight(word) <= terms.limit : this + " admitted more than its limit";
        setBitsLocked(word);
    }

    @Override
    void untake(int cost) {
        setBitsLocked(bits() - cost);
    }

    /**
     * Frees the use's {@code cost} in-flight slots and counts {@code actual} used ones, starting the window if none
     * runs; {@code used} is counted up to the limit, which {@code actual > cost} may reach (nothing is admitted until
     * the window ends). An {@code actual} of zero counts nothing and starts no window: a cancel.
     */
    @Override
    void release(int cost, int actual, long now) {
        long word = bits();
        long inFlight = (long) inFlight(word) - cost;
        setBitsLocked(counts(Math.min((long) used(word) + actual, terms.limit), inFlight));
        if (actual > 0) {
            if (!windowRunning) {
                windowRunning = true;
                windowEnd = now + terms.periodNanos;
            }
            mark(actual < cost ? PartSupport.GREW | PartSupport.CHANGED : PartSupport.CHANGED);
        } else {
            mark(PartSupport.GREW | PartSupport.CHANGED);
        }
        assert inFlight >= 0 && inFlight <= terms.limit : this + " broke its counts";
    }

    @Override
    int room() {
        long word = bits();
        return Math.max(0, terms.limit - used(word) - inFlight(word));
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
        } else if (holdsUsedSlotsFreeing(cost)) {
            return Math.max(0L, windowEnd - now);
        } else {
            return terms.periodNanos;
        }
    }

    /** Whether a window runs holding used slots, and its end frees {@code wanted} (the rest is in flight). */
    private boolean holdsUsedSlotsFreeing(int wanted) {
        long word = bits();
        return windowRunning && used(word) > 0 && wanted <= terms.limit - inFlight(word);
    }

    /** Until the window ends, if it holds used slots and its end frees {@code wanted}. */
    @Override
    long growsIn(long now, int wanted) {
        return holdsUsedSlotsFreeing(wanted) ? windowEnd - now : NO_GROWTH;
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
