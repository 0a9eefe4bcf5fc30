package io.ratestack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What the engine's permits share: the use's cost, and the three ways to end it as one settlement, {@code close()}
 * at that cost, {@code close(actualCost)} at another, {@code cancel()} at zero. Only the first ending takes effect:
 * it claims the use by one compare-and-set, and the subclass ends it.
 */
abstract class SettledPermit implements Permit {

    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(SettledPermit.class, "done", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("UnusedVariable") // read and written through DONE
    private volatile boolean done;

    /** What the use took from each part it holds. */
    final int cost;

    SettledPermit(int cost) {
        this.cost = cost;
    }

    @Override
    public final void close() {
        end(cost);
    }

    @Override
    public final void close(int actualCost) {
        end(Checks.nonNegative("actualCost", actualCost));
    }

    @Override
    public final void cancel() {
        end(0);
    }

    private void end(int actual) {
        if (DONE.compareAndSet(this, false, true)) {
            settle(actual);
        }
    }

    /** Ends the use at {@code actual} (zero: it never counted); called once, by the first ending. */
    abstract void settle(int actual);
}
