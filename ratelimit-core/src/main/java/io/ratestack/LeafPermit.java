package io.ratestack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A held use of a single {@link Part}: its cost, and whether it is done. The first ending claims the use by one
 * compare-and-set, then ends it without the lock where the part can ({@link Part#releaseLockFree}), else with it.
 */
final class LeafPermit extends SettledPermit {

    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(LeafPermit.class, "done", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Part leaf;
    @SuppressWarnings("UnusedVariable") // read and written through DONE
    private volatile boolean done;

    LeafPermit(Part leaf, int cost) {
        super(cost);
        this.leaf = leaf;
    }

    @Override
    void settle(int actual) {
        if (!DONE.compareAndSet(this, false, true) || leaf.releaseLockFree(cost, actual)) {
            return;
        }
        boolean slow;
        leaf.lock();
        try {
            long now = leaf.clock().nanoTime();
            leaf.roll(now);
            leaf.release(cost, actual, now);
            slow = leaf.support != null;
        } finally {
            leaf.unlock();
        }
        if (slow) {
            leaf.afterChange();
        }
    }

    @Override
    public String toString() {
        return "Permit[" + leaf + "]";
    }
}
