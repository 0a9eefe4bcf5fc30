package io.ratestack.redis;

import io.lettuce.core.RedisException;
import io.ratestack.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Whether Redis answers, as {@link RedisLimits} sees it: once a call has failed, Redis is known to be unavailable
 * and only one call per probe interval tries it ({@link #mayProbe()}); the first call that Redis answers ends the
 * outage. The first failure after a success is logged once as a warning, the first success after failures once as
 * information; the rest is counted.
 */
final class RedisHealth {

    private static final System.Logger LOG = System.getLogger(RedisLimits.class.getName());

    private final StoreFailurePolicy onFailure;
    private final long probeIntervalNanos;
    private final @Nullable Clock clock;
    private final LongAdder failures = new LongAdder();
    private final LongAdder recoveries = new LongAdder();
    private final LongAdder probes = new LongAdder();
    private final AtomicBoolean available = new AtomicBoolean(true);
    /** While Redis is unavailable: when ({@link #nanoTime()}) the next call may try it. Written before available. */
    private final AtomicLong nextProbe = new AtomicLong();

    RedisHealth(StoreFailurePolicy onFailure, Duration probeInterval, @Nullable Clock clock) {
        this.onFailure = onFailure;
        this.probeIntervalNanos = probeInterval.toNanos();
        this.clock = clock;
    }

    boolean isAvailable() {
        return available.get();
    }

    long failures() {
        return failures.sum();
    }

    long recoveries() {
        return recoveries.sum();
    }

    long probes() {
        return probes.sum();
    }

    /** A call answered by the policy because Redis is known to be unavailable: a failure, not tried. */
    void skipped() {
        failures.increment();
    }

    /** A call that tries Redis while it is known to be unavailable. */
    void probing() {
        probes.increment();
    }

    /** While Redis is unavailable: whether this call is the one of its probe interval that tries Redis. */
    boolean mayProbe() {
        long now = nanoTime();
        long next = nextProbe.get();
        return now - next >= 0 && nextProbe.compareAndSet(next, now + probeIntervalNanos);
    }

    /** Redis did not answer in time or answered with an error. */
    void failed(RedisException e) {
        if (e instanceof RedisConnector.StillConnecting) {
            return; // another call is connecting: this one is answered by the policy, Redis is not known to be down
        }
        failures.increment();
        nextProbe.set(nanoTime() + probeIntervalNanos); // before available: who sees it false sees this
        if (available.compareAndSet(true, false)) {
            String answer = switch (onFailure) {
                case FAIL_OPEN -> "admitting uses uncounted";
                case FAIL_CLOSED -> "refusing uses";
                case LOCAL -> "limiting with local limits on this instance";
            };
            LOG.log(System.Logger.Level.WARNING, "Redis unavailable for rate limits (" + e.getMessage() + "); "
                    + answer + " until it answers again, trying it once every " + Duration.ofNanos(probeIntervalNanos),
                    e);
        }
    }

    /** Redis answered. */
    void reached() {
        if (!available.get() && available.compareAndSet(false, true)) {
            recoveries.increment();
            LOG.log(System.Logger.Level.INFO, "Redis reachable again for rate limits after " + failures() + " failures");
        }
    }

    private long nanoTime() {
        Clock c = clock;
        return c == null ? System.nanoTime() : c.nanoTime();
    }
}
