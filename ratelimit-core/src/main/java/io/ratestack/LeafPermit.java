package io.ratestack;

/**
 * A held use of a single {@link Part}: its first ending ends it without the lock where the part can
 * ({@link Part#releaseLockFree}), else with it.
 */
final class LeafPermit extends SettledPermit {

    private final Part leaf;

    LeafPermit(Part leaf, int cost) {
        super(cost);
        this.leaf = leaf;
    }

    @Override
    void settle(int actual) {
        if (leaf.releaseLockFree(cost, actual)) {
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
