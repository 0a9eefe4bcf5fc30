package io.ratestack;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The generic cell rate algorithm (GCRA): {@code rate} uses per {@code period}, of which {@code burst} may come at
 * once. Its state is one timestamp, the theoretical arrival time {@code tat}: when the limiter would be fully
 * recovered if no more uses came.
 *
 * <p>Each use costs the emission interval {@code T = period / rate}, in whole nanoseconds rounded up (so over time it
 * never admits more than {@code rate} per {@code period}; the builder rejects a rate above the period's nanoseconds).
 * A use is admitted at {@code now} iff {@code max(tat, now) + T - now <= burst * T}, and then
 * {@code tat = max(tat, now) + T}. A refusal's retry-after is exact: {@code max(tat, now) + T - burst * T - now}.
 * {@code remaining} is how many uses would be admitted now at once, {@code (burst * T - debt) / T} rounded down with
 * {@code debt = max(tat - now, 0)}; {@code reset} is {@code debt}, the time until it is fully recovered.
 *
 * <p>There is no in-flight count: a use is paid when it is admitted, and completing the permit changes nothing.
 * Cancelling the permit takes one emission interval off {@code tat}, never below {@code now}: {@code tat =
 * max(now, tat - T)}. While the limiter owes at least {@code T} (right after the take, and always on a clock that
 * has not moved since) that undoes the use exactly; once time has paid the limiter off it gives nothing back. The
 * permit does not remember the {@code tat} its take made, so a use whose own interval time has partly paid off,
 * cancelled while later uses are still owed, gives back up to a whole {@code T} rather than only its unpaid part.
 */
final class GcraLimiter extends LocalPart {

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
    record Spec(int rate, long periodNanos, int burst, long intervalNanos, long toleranceNanos, Clock clock,
            @Nullable String name) {
    }

    final Spec spec;

    // Guarded by this limiter's lock.
    /** The theoretical arrival time; never before the last {@link #advance(long)}'s {@code now}. */
    long tat;
    /** Uses admitted at once as of the last look at the clock: {@code (burst * T - (tat - now)) / T}. */
    int room;

    GcraLimiter(Spec spec) {
        this.spec = spec;
        this.tat = spec.clock.nanoTime();
        this.room = spec.burst;
    }

    @Override
    Clock clock() {
        return spec.clock;
    }

    /** Brings {@code tat} up to {@code now} if it is behind, and marks a growth if more uses fit than before. */
    @Override
    void advance(long now) {
        long debt = tat - now;
        if (debt < 0) {
            tat = now;
            debt = 0;
        }
        int fits = (int) ((spec.toleranceNanos - debt) / spec.intervalNanos);
        if (fits > room) {
            mark(PartSupport.GREW | PartSupport.CHANGED);
        }
        room = fits;
    }

    @Override
    boolean fits() {
        return room >= 1;
    }

    @Override
    void take() {
        tat += spec.intervalNanos;
        room--;
    }

    @Override
    void untake() {
        tat -= spec.intervalNanos;
        room++;
    }

    /** A completed use stays paid; a cancelled one takes {@code T} off {@code tat}, never below {@code now}. */
    @Override
    void release(boolean complete, long now) {
        if (complete || tat - now <= 0) {
            return;
        }
        tat = Math.max(now, tat - spec.intervalNanos); // tat - now <= burst * T: no overflow
        room = (int) ((spec.toleranceNanos - (tat - now)) / spec.intervalNanos);
        mark(PartSupport.GREW | PartSupport.CHANGED);
    }

    @Override
    int room() {
        return room;
    }

    /** Exact: {@code max(tat, now) + T - burst * T - now}, zero if a use fits now. */
    @Override
    long retryAfter(long now) {
        return fits() ? 0L : tat - now + spec.intervalNanos - spec.toleranceNanos;
    }

    /** Until one more use fits, while the limiter is not fully recovered. */
    @Override
    long growsIn(long now) {
        return room < spec.burst ? untilRoom(now, room + 1) : NO_GROWTH;
    }

    /** Until one more use fits; an emission interval when fully recovered. */
    @Override
    long nextFreeIn(long now) {
        return room < spec.burst ? untilRoom(now, room + 1) : spec.intervalNanos;
    }

    /** Until {@code tat <= now}: fully recovered, {@code burst} uses fit at once. */
    @Override
    long resetIn(long now) {
        return Math.max(0L, tat - now);
    }

    /** Nanoseconds until {@code wanted} uses fit at once: until the debt is at most {@code (burst - wanted) * T}. */
    private long untilRoom(long now, int wanted) {
        return Math.max(0L, tat - now - (spec.toleranceNanos - wanted * spec.intervalNanos));
    }

    @Override
    public String toString() {
        String text = spec.rate + " per " + Duration.ofNanos(spec.periodNanos) + ", burst " + spec.burst;
        return "gcra(" + (spec.name == null ? text : spec.name + ": " + text) + ")";
    }
}
