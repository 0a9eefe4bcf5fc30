package io.ratestack;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A token bucket of {@code capacity} tokens, refilled by {@code refillTokens} per {@code refillPeriod}: greedily
 * (continuously, in proportion to the time passed) or per whole period. For the same parameters it admits and refuses
 * as Bucket4j's bucket does.
 *
 * <p>A use takes a token per unit of its cost; {@code remaining} is the whole tokens in the bucket. The bucket never
 * holds more than
 * {@code capacity}. A greedy refill keeps exact integer arithmetic: {@code refillTokens * elapsed} nanoseconds are
 * divided by the period, and the remainder (a part of a token, in token-nanoseconds) is kept for the next refill, so
 * the bucket never drifts; the remainder is dropped when the bucket is full. An interval refill adds
 * {@code refillTokens} at each whole period since the bucket was made, and nothing in between.
 *
 * <p>There is no in-flight count: tokens are spent when they are taken, and completing the permit with the cost it
 * took changes nothing. Cancelling the permit puts the tokens back (never above capacity); settling a smaller cost
 * puts back the difference, a larger one takes it, leaving the bucket in debt if it has too few (nothing is admitted
 * until the refill repays it). Refill happens lazily, on the next look at the
 * clock; a timer runs only while something waits for this limiter or listens to it and the bucket is not full.
 */
final class TokenBucketLimiter extends Part {

    private static final long serialVersionUID = 1L;

    /**
     * The terms of a token bucket, shared by all the limiters one builder makes.
     *
     * @param capacity the most tokens the bucket holds
     * @param refillTokens tokens added per period
     * @param periodNanos the refill period, positive, at most {@link Nanos#FOREVER}
     * @param greedy whether tokens come continuously rather than per whole period
     * @param initialTokens the tokens of a new bucket, at most {@code capacity}
     */
    record Terms(int capacity, int refillTokens, long periodNanos, boolean greedy, int initialTokens, Clock clock,
            @Nullable String name) {
    }

    final Terms terms;

    // Guarded by this limiter's lock.
    /** Whole tokens in the bucket, at most capacity; below zero while a settled cost above the taken one is owed. */
    long tokens;
    /** A greedy refill's part of a token, in token-nanoseconds: below the period; zero when the bucket is full. */
    long remainder;
    /** When tokens were last added by time: the last advance (greedy), or the last whole period's end (interval). */
    long lastRefill;

    TokenBucketLimiter(Terms terms) {
        this.terms = terms;
        this.tokens = terms.initialTokens;
        this.lastRefill = terms.clock.nanoTime();
    }

    @Override
    Clock clock() {
        return terms.clock;
    }

    /** Adds the tokens that time made since the last refill, up to capacity. */
    @Override
    void advance(long now) {
        long elapsed = now - lastRefill;
        if (elapsed <= 0) {
            return;
        }
        long period = terms.periodNanos;
        if (!terms.greedy) {
            elapsed -= elapsed % period;
            if (elapsed == 0) {
                return;
            }
        }
        lastRefill += elapsed;
        long capacity = terms.capacity;
        if (tokens >= capacity) {
            return;
        }
        long refill = terms.refillTokens;
        long added;
        long left = remainder;
        if (elapsed >= period) {
            long periods = elapsed / period;
            if (periods >= capacity - tokens) { // each period adds at least a token
                fill();
                return;
            }
            added = periods * refill; // below 2^62: both factors are below 2^31
            elapsed %= period;
        } else {
            added = 0L;
        }
        long scaled = refill * elapsed;
        if (Math.multiplyHigh(refill, elapsed) != 0 || scaled < 0 || scaled + left < 0) {
            // Beyond a long: the exact part of a token no longer matters at this scale.
            added += (long) ((double) elapsed / (double) period * (double) refill);
            left = 0L;
        } else {
            scaled += left;
            added += scaled / period;
            left = scaled % period;
        }
        if (added >= capacity - tokens) {
            fill();
            return;
        }
        remainder = left;
        if (added > 0) {
            tokens += added;
            mark(PartSupport.GREW | PartSupport.CHANGED);
        }
    }

    private void fill() {
        tokens = terms.capacity;
        remainder = 0L;
        mark(PartSupport.GREW | PartSupport.CHANGED);
    }

    @Override
    boolean fits(int cost) {
        return tokens >= cost;
    }

    @Override
    void take(int cost) {
        tokens -= cost;
        assert tokens >= 0 : this + " spent tokens it did not have";
    }

    @Override
    void untake(int cost) {
        tokens += cost;
    }

    /**
     * Settles {@code actual} tokens for a use that took {@code cost}: puts back {@code cost - actual} (never above
     * capacity), or takes {@code actual - cost} more, which may leave the bucket in debt (below zero) until the refill
     * repays it. A completed use settling its cost changes nothing; a cancel (actual zero) puts back the cost.
     */
    @Override
    void release(int cost, int actual, long now) {
        long back = (long) cost - actual;
        if (back == 0) {
            return;
        }
        if (back > 0 && tokens + back >= terms.capacity) {
            fill();
            return;
        }
        tokens += back;
        mark(back > 0 ? PartSupport.GREW | PartSupport.CHANGED : PartSupport.CHANGED);
    }

    /** A completion at the cost it took changes nothing. */
    @Override
    boolean releaseLockFree(int cost, int actual) {
        return actual == cost;
    }

    @Override
    int room() {
        return (int) Math.max(0L, tokens);
    }

    @Override
    int maxCost() {
        return terms.capacity;
    }

    @Override
    long retryAfter(long now, int cost) {
        return fits(cost) ? 0L : untilTokens(now, cost);
    }

    /** Until the bucket holds {@code wanted} tokens, at most its capacity. */
    @Override
    long growsIn(long now, int wanted) {
        return wanted <= terms.capacity ? untilTokens(now, wanted) : NO_GROWTH;
    }

    /** Until the next whole token; a period when the bucket is full. */
    @Override
    long nextFreeIn(long now) {
        return tokens < terms.capacity ? untilTokens(now, Math.max(0L, tokens) + 1) : terms.periodNanos;
    }

    /** Until the bucket is full. */
    @Override
    long resetIn(long now) {
        return tokens < terms.capacity ? untilTokens(now, terms.capacity) : 0L;
    }

    /**
     * Nanoseconds from {@code now} until time alone brings the bucket to {@code wanted} tokens, more than it holds:
     * the least such time, saturated at {@link Nanos#FOREVER}.
     */
    private long untilTokens(long now, long wanted) {
        long deficit = wanted - tokens;
        long period = terms.periodNanos;
        long refill = terms.refillTokens;
        long nanos;
        if (terms.greedy) {
            // The least d with refill * d + remainder >= deficit * period.
            long need = deficit * period; // may overflow: checked below
            long since = now - lastRefill; // zero after advance(now)
            if (Math.multiplyHigh(deficit, period) != 0 || need < 0) {
                nanos = (long) Math.ceil((double) deficit * (double) period / (double) refill);
            } else {
                need -= remainder;
                nanos = need / refill + (need % refill == 0 ? 0 : 1);
            }
            nanos -= since;
        } else {
            long nextRefill = lastRefill + period - now;
            long morePeriods = (deficit - 1) / refill;
            nanos = morePeriods > Nanos.FOREVER / period ? Nanos.FOREVER : nextRefill + morePeriods * period;
        }
        return Math.min(Math.max(0L, nanos), Nanos.FOREVER);
    }

    @Override
    public String toString() {
        String text = terms.capacity + " tokens, " + terms.refillTokens + (terms.greedy ? " per " : " every ")
                + Duration.ofNanos(terms.periodNanos);
        return "tokenBucket(" + (terms.name == null ? text : terms.name + ": " + text) + ")";
    }
}
