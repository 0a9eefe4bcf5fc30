package io.ratestack;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A sliding window of {@code limit} uses per {@code window}, approximated by two weighted fixed windows (as
 * Cloudflare's and nginx's rate limiting do). Windows are {@code window} long and aligned on the limiter's creation;
 * the state is the count of the window before ({@code previous}), the count of the running one ({@code current}) and
 * when the running one started ({@code currentStart}).
 *
 * <p>At {@code now}, {@code elapsed = now - currentStart}, a use is admitted iff
 * {@code current + 1 + previous * (window - elapsed) / window <= limit}: the previous window's count is assumed spread
 * evenly over it, and the part of it still inside the rolling window counts. The comparison is exact in integers:
 * the weight is {@code ceil(previous * (window - elapsed) / window)}, computed without overflow. A refusal's
 * retry-after is exact: the first nanosecond at which the inequality holds by time alone, as the previous window's
 * weight decays or the window rolls. {@code remaining} is how many uses would be admitted now at once,
 * {@code limit - current - weight}; {@code reset} is the time until the estimate is zero again: until
 * {@code current} and {@code previous} have both rolled out.
 *
 * <p>Error bound (uses not cancelled): a span of length {@code s <= window} that reaches {@code x} nanoseconds into
 * a later fixed window holds at most {@code limit + previous * x / window <= limit + limit * x / window} uses, and a
 * span inside one fixed window at most {@code limit}. So there is no fixed window's double burst at a boundary (a
 * span of {@code d} around a boundary holds at most {@code limit + limit * d / window}), but a rolling window of full
 * length can approach {@code 2 * limit} in the worst case: {@code limit} uses at the very end of one window (which
 * the estimate takes as spread over it) and nearly {@code limit} more at the end of the next.
 *
 * <p>A use of cost {@code c} counts {@code c} uses. There is no in-flight count: a use counts when it is admitted, and
 * completing the permit with the cost it took changes nothing. The permit does not carry the window its use was
 * counted in, so cancelling takes {@code c} uses off {@code current} as far as it has them, and the rest off
 * {@code previous}: exact while the use's own window is still the running one; a use of the previous window
 * cancelled while the running one has uses takes those instead (loosening the bound above by as many). Settling a
 * cost {@code a} other than {@code c} does the same with the difference: a larger cost counts {@code a - c} more in
 * the running window, a smaller one gives back {@code c - a} as a cancel gives back {@code c}.
 */
final class SlidingWindowLimiter extends Part {

    private static final long serialVersionUID = 1L;

    /**
     * The terms of a sliding window limiter, shared by all the limiters one builder makes.
     *
     * @param limit uses per window
     * @param windowNanos the window, positive and at most {@link Nanos#FOREVER}
     */
    record Terms(int limit, long windowNanos, Clock clock, @Nullable String name) {
    }

    final Terms terms;

    // Guarded by this limiter's lock.
    /** Uses counted in the window before the running one. */
    int previous;
    /** Uses counted in the running window. */
    int current;
    /** When the running window started. */
    long currentStart;
    /** Nanoseconds since {@link #currentStart} at the last look at the clock, in {@code [0, window)}. */
    long elapsed;
    /** Uses admitted at once as of the last look at the clock. */
    int room;

    SlidingWindowLimiter(Terms terms) {
        this.terms = terms;
        this.currentStart = terms.clock.nanoTime();
        this.room = terms.limit;
    }

    @Override
    Clock clock() {
        return terms.clock;
    }

    /** Rolls the windows up to {@code now} and marks a growth if more uses fit than before. */
    @Override
    void advance(long now) {
        long window = terms.windowNanos;
        long since = Math.max(0L, now - currentStart);
        if (since >= window) {
            long rolled = since / window;
            previous = rolled == 1 ? current : 0;
            current = 0;
            currentStart += rolled * window;
            since -= rolled * window;
        }
        elapsed = since;
        int fits = roomAt(previous, current, elapsed);
        if (fits > room) {
            mark(PartSupport.GREW | PartSupport.CHANGED);
        }
        room = fits;
    }

    /** {@code limit - current - ceil(previous * (window - elapsed) / window)}, at least zero. */
    private int roomAt(int prev, int cur, long at) {
        long weight = prev - Nanos.mulDiv(prev, at, terms.windowNanos);
        return (int) Math.max(0L, terms.limit - cur - weight);
    }

    @Override
    boolean fits(int cost) {
        return room >= cost;
    }

    @Override
    void take(int cost) {
        current += cost;
        room -= cost;
    }

    @Override
    void untake(int cost) {
        current -= cost;
        room += cost;
    }

    /**
     * Settles {@code actual} uses for one that took {@code cost}: a larger cost adds the difference to
     * {@code current}; a smaller one (a cancel settles zero) takes it off {@code current} as far as that has uses,
     * and the rest off {@code previous}.
     */
    @Override
    void release(int cost, int actual, long now) {
        long more = (long) actual - cost;
        if (more > 0) {
            current = (int) Math.min(Integer.MAX_VALUE, current + more);
            room = roomAt(previous, current, elapsed);
            mark(PartSupport.CHANGED);
            return;
        }
        long back = -more;
        long fromCurrent = Math.min(current, back);
        long fromPrevious = Math.min(previous, back - fromCurrent);
        if (fromCurrent + fromPrevious == 0) {
            return;
        }
        current -= (int) fromCurrent;
        previous -= (int) fromPrevious;
        room = roomAt(previous, current, elapsed);
        mark(PartSupport.GREW | PartSupport.CHANGED);
    }

    /** A completion at the cost it took changes nothing. */
    @Override
    boolean releaseLockFree(int cost, int actual) {
        return actual == cost;
    }

    @Override
    int room() {
        return room;
    }

    @Override
    int maxCost() {
        return terms.limit;
    }

    /** Exact: the first nanosecond at which {@code cost} uses fit by time alone, zero if they fit now. */
    @Override
    long retryAfter(long now, int cost) {
        return fits(cost) ? 0L : untilRoom(previous, current, elapsed, cost);
    }

    /** Until {@code wanted} uses fit at once, at most the limit. */
    @Override
    long growsIn(long now, int wanted) {
        return wanted <= terms.limit ? untilRoom(previous, current, elapsed, wanted) : NO_GROWTH;
    }

    /** Until one more use fits; a window when nothing is counted. */
    @Override
    long nextFreeIn(long now) {
        return room < terms.limit ? Math.max(1L, untilRoom(previous, current, elapsed, room + 1)) : terms.windowNanos;
    }

    /** Until {@code current} and {@code previous} have both rolled out and the estimate is zero. */
    @Override
    long resetIn(long now) {
        if (current > 0) {
            return 2 * terms.windowNanos - elapsed; // window <= FOREVER: no overflow
        }
        return previous > 0 ? terms.windowNanos - elapsed : 0L;
    }

    /**
     * Nanoseconds from {@code at} into a window with counts {@code prev} and {@code cur} until {@code wanted <= limit}
     * uses fit at once by time alone: within this window once {@code prev * (window - e) <= (limit - cur - wanted) *
     * window}, that is at {@code e = window - floor((limit - cur - wanted) * window / prev)}; else after the roll,
     * where {@code cur} becomes the previous count (at most three levels: the third has nothing counted).
     */
    private long untilRoom(int prev, int cur, long at, int wanted) {
        long window = terms.windowNanos;
        long spare = (long) terms.limit - cur - wanted;
        if (spare >= 0) {
            long from = prev == 0 || spare >= prev ? 0L : window - Nanos.mulDiv(spare, window, prev);
            if (from <= at) {
                return 0L;
            }
            if (from < window) {
                return from - at;
            }
        }
        return window - at + untilRoom(cur, 0, 0L, wanted);
    }

    @Override
    public String toString() {
        String text = terms.limit + " per " + Duration.ofNanos(terms.windowNanos);
        return "slidingWindow(" + (terms.name == null ? text : terms.name + ": " + text) + ")";
    }
}
