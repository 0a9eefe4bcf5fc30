package io.ratestack;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Delivers a limiter's status changes to its listeners. The owner records each new status while it holds its locks
 * ({@link #set}), so the last recorded status is the true one; {@link #drain()}, called after the locks are released,
 * delivers it. Deliveries are serialized (never two at once), each differs from the one before, and the last one
 * delivered is the last one recorded: a listener may miss a flip that is undone before it is delivered, never the
 * final state.
 */
final class StatusPublisher {

    private static final System.Logger LOG = System.getLogger(StatusPublisher.class.getName());

    private final CopyOnWriteArrayList<Consumer<RateLimitStatus>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile RateLimitStatus latest;
    private RateLimitStatus delivered;

    StatusPublisher(RateLimitStatus current) {
        this.latest = current;
        this.delivered = current;
    }

    void add(Consumer<RateLimitStatus> listener) {
        listeners.add(listener);
    }

    boolean remove(Consumer<RateLimitStatus> listener) {
        return listeners.remove(listener);
    }

    boolean hasListeners() {
        return !listeners.isEmpty();
    }

    void set(RateLimitStatus status) {
        latest = status;
    }

    void drain() {
        if (pending.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            RateLimitStatus status = latest;
            if (status != delivered) {
                delivered = status;
                for (Consumer<RateLimitStatus> listener : listeners) {
                    try {
                        listener.accept(status);
                    } catch (RuntimeException | Error e) {
                        LOG.log(System.Logger.Level.WARNING, "rate limit status listener failed", e);
                    }
                }
            }
            missed = pending.addAndGet(-missed);
        } while (missed != 0);
    }
}
