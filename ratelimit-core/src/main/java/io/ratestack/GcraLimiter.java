package io.ratestack;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The generic cell rate algorithm (GCRA): {@code rate} uses per {@code period}, of which {@code burst} may come at
 * once. Its state is one timestamp, the theoretical arrival time {@code tat}: when the limiter would be fully
 * recovered if no more uses came.
 *
 * <p>Each unit of a use's cost costs the emission interval {@code T = period / rate}, in whole nanoseconds rounded up (so over time it
 * never admits more than {@code rate} per {@code period}; the builder rejects a rate above the period's nanoseconds).
 * A use is admitted at {@code now} iff {@code max(tat, now) + T - now <= burst * T}, and then
 * {@code tat = max(tat, now) + T}. A refusal's retry-after is exact: {@code max(tat, now) + T - burst * T - now}.
 * {@code remaining} is how many uses would be admitted now at once, {@code (burst * T - debt) / T} rounded down with
 * {@code debt = max(tat - now, 0)}; {@code reset} is {@code debt}, the time until it is fully recovered.
 *
 * <p>There is no in-flight count: a use is paid when it is admitted, and completing the permit with the cost it
 * took changes nothing. Cancelling the permit of a use of cost {@code c} takes {@code c * T} off {@code tat}, never
 * below {@code now}: {@code tat = max(now, tat - c * T)}. While the limiter owes at least that (right after the take,
 * and always on a clock that has not moved since) that undoes the use exactly; once time has paid the limiter off it
 * gives nothing back. The permit does not remember the {@code tat} its take made, so a use whose own interval time
 * has partly paid off, cancelled while later uses are still owed, gives back up to its whole {@code c * T} rather
 * than only its unpaid part. Settling a cost {@code a} other than {@code c} moves {@code tat} by
 * {@code (a - c) * T} the same way: a larger cost pushes it further ahead (nothing is admitted until time pays it).
 */
final class GcraLimiter extends Part {

    private static final long serialVersionUID = 1L;

    /**
     * The terms of a GCRA limiter, shared by all the limiters one builder makes.
     *
     * @param rate uses per period
     * @param periodNanos the period, positive
     * @param burst uses that may come at once
     * @param intervalNanos the emission interval {@code T}: {@code periodNanos / rate} rounded up, positive
     * @param toleranceNanos {@code burst * T}, at most {@link Nanos#FOREVER}
     */
    record Terms(int rate, long periodNanos, int burst, long intervalNanos, long toleranceNanos, Clock clock,
            @Nullable String name) {
    }

    final Terms terms;

    /*
     * The theoretical arrival time is the word's bits (Mutex), as nanoseconds since origin: never before the last
     * advance's now, at most FOREVER after the origin (a debt settled beyond that stops there).
     */
    private final long origin;
    /** Uses admitted at once as of the last locked look at the clock; guarded by this limiter's lock. */
    int room;

    GcraLimiter(Terms terms) {
        this.terms = terms;
        this.origin = terms.clock.nanoTime();
        this.room = terms.burst;
    }

    private long tat() {
        return origin + bits();
    }

    private void setTatLocked(long tat) {
        setBitsLocked(since(tat));
    }

    /** {@code tat} as the word's bits: its nanoseconds since the origin, from zero to {@link #BITS}. */
    private long since(long tat) {
        return Math.min(Math.max(0L, tat - origin), BITS);
    }

    /**
     * Admits by one compare-and-set of {@code tat} when the use conforms, else refuses with the exact retry-after,
     * changing nothing; one read of the clock either way.
     */
    @Override
    @Nullable AcquireResult tryAcquireLockFree(int cost) {
        if (cost > terms.burst) {
            return null;
        }
        long now = terms.clock.nanoTime();
        long word;
        while (((word = getState()) & LOCKED_PATH) == 0) {
            long debt = Math.max(0L, origin + (word & BITS) - now);
            long after = debt + cost * terms.intervalNanos; // cost * T <= burst * T <= FOREVER
            if (after > terms.toleranceNanos) {
                return new Refusal(after - terms.toleranceNanos, roomFor(debt));
            }
            if (compareAndSetState(word, (word & ~BITS) | since(now + after))) {
                return new LeafPermit(this, cost);
            }
        }
        return null;
    }

    /** A completion at the cost it took changes nothing. */
    @Override
    boolean releaseLockFree(int cost, int actual) {
        return actual == cost;
    }

    @Override
    Clock clock() {
        return terms.clock;
    }

    /** Brings {@code tat} up to {@code now} if it is behind, and marks a growth if more uses fit than before. */
    @Override
    void advance(long now) {
        long debt = tat() - now;
        if (debt < 0) {
            setTatLocked(now);
            debt = 0;
        }
        int fits = roomFor(debt);
        if (fits > room) {
            mark(PartSupport.GREW | PartSupport.CHANGED);
        }
        room = fits;
    }

    @Override
    boolean fits(int cost) {
        return room >= cost;
    }

    /** Moves {@code tat} by {@code cost * T}: at most {@code burst * T}, so no overflow. */
    @Override
    void take(int cost) {
        setTatLocked(tat() + cost * terms.intervalNanos);
        room -= cost;
    }

    @Override
    void untake(int cost) {
        setTatLocked(tat() - cost * terms.intervalNanos);
        room += cost;
    }

    /**
     * Settles {@code actual} uses for one that took {@code cost}: moves {@code tat} by {@code (actual - cost) * T},
     * never below {@code now} (a cancel takes {@code cost * T} off); the debt saturates at {@link Nanos#FOREVER},
     * and {@code tat} at {@link Nanos#FOREVER} after the limiter was made (some 146 years).
     */
    @Override
    void release(int cost, int actual, long now) {
        long more = (long) actual - cost;
        long tat = tat();
        if (more == 0 || (more < 0 && tat - now <= 0)) {
            return;
        }
        long debt = tat - now;
        if (more < 0) {
            debt = Math.max(0L, debt + more * terms.intervalNanos); // |more| <= burst: no overflow
        } else {
            long added = more > Nanos.FOREVER / terms.intervalNanos ? Nanos.FOREVER : more * terms.intervalNanos;
            debt = Math.min(Nanos.FOREVER, debt + added);
        }
        setTatLocked(now + debt);
        room = roomFor(tat() - now);
        mark(more < 0 ? PartSupport.GREW | PartSupport.CHANGED : PartSupport.CHANGED);
    }

    /** Uses admitted at once with {@code debt} owed: {@code (burst * T - debt) / T}, at least zero. */
    private int roomFor(long debt) {
        return (int) Math.max(0L, (terms.toleranceNanos - debt) / terms.intervalNanos);
    }

    @Override
    int room() {
        return room;
    }

    @Override
    int maxCost() {
        return terms.burst;
    }

    /** Exact: {@code max(tat, now) + cost * T - burst * T - now}, zero if the uses fit now. */
    @Override
    long retryAfter(long now, int cost) {
        return fits(cost) ? 0L : tat() - now + cost * terms.intervalNanos - terms.toleranceNanos;
    }

    /** Until {@code wanted} uses fit at once, at most the burst. */
    @Override
    long growsIn(long now, int wanted) {
        return wanted <= terms.burst ? untilRoom(now, wanted) : NO_GROWTH;
    }

    /** Until one more use fits; an emission interval when fully recovered. */
    @Override
    long nextFreeIn(long now) {
        return room < terms.burst ? untilRoom(now, room + 1) : terms.intervalNanos;
    }

    /** Until {@code tat <= now}: fully recovered, {@code burst} uses fit at once. */
    @Override
    long resetIn(long now) {
        return Math.max(0L, tat() - now);
    }

    /** Nanoseconds until {@code wanted} uses fit at once: until the debt is at most {@code (burst - wanted) * T}. */
    private long untilRoom(long now, int wanted) {
        return Math.max(0L, tat() - now - (terms.toleranceNanos - wanted * terms.intervalNanos));
    }

    @Override
    public String toString() {
        String text = terms.rate + " per " + Duration.ofNanos(terms.periodNanos) + ", burst " + terms.burst;
        return "gcra(" + (terms.name == null ? text : terms.name + ": " + text) + ")";
    }
}
