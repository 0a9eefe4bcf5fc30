package io.ratestack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A permit that ends another one, once, and then does what a subclass adds: keep a cache entry alive while the use
 * is held, count the outcome for metrics, release a resource. The first of {@link #close()}, {@link #close(int)} and
 * {@link #cancel()} ends the wrapped permit the same way and then calls {@link #completed()} or {@link #cancelled()}
 * (even if the wrapped permit threw); later calls do nothing. Thread-safe, without a lock.
 *
 * <pre>{@code
 * final class CountedPermit extends ForwardingPermit {
 *     CountedPermit(Permit permit) {
 *         super(permit);
 *     }
 *
 *     @Override
 *     protected void completed() {
 *         counted.increment();
 *     }
 *
 *     @Override
 *     protected void cancelled() {
 *         refunded.increment();
 *     }
 * }
 * }</pre>
 */
public abstract class ForwardingPermit implements Permit {

    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(ForwardingPermit.class, "ended", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Permit permit;
    @SuppressWarnings("unused") // through ENDED
    private volatile int ended;

    /**
     * @param permit the permit to end
     */
    protected ForwardingPermit(Permit permit) {
        this.permit = Checks.requireNonNull(permit, "permit");
    }

    /** Completes the wrapped permit, then {@link #completed()}, if this is the first ending. */
    @Override
    public void close() {
        if (ENDED.compareAndSet(this, 0, 1)) {
            try {
                permit.close();
            } finally {
                completed();
            }
        }
    }

    /**
     * Completes the wrapped permit at {@code actualCost}, then {@link #completed()}, if this is the first ending.
     *
     * @throws IllegalArgumentException if {@code actualCost} is negative (nothing ends then)
     */
    @Override
    public void close(int actualCost) {
        Checks.nonNegative("actualCost", actualCost);
        if (ENDED.compareAndSet(this, 0, 1)) {
            try {
                permit.close(actualCost);
            } finally {
                completed();
            }
        }
    }

    /** Refunds the wrapped permit, then {@link #cancelled()}, if this is the first ending. */
    @Override
    public void cancel() {
        if (ENDED.compareAndSet(this, 0, 1)) {
            try {
                permit.cancel();
            } finally {
                cancelled();
            }
        }
    }

    /** Runs once after the wrapped permit was completed (at its cost or another); nothing by default. */
    protected void completed() {
    }

    /** Runs once after the wrapped permit was refunded; nothing by default. */
    protected void cancelled() {
    }
}
