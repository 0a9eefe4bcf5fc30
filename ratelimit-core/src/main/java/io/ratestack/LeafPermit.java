package io.ratestack;

/** A held use of a single {@link Part}: its cost, and whether it is done (guarded by the leaf's lock). */
final class LeafPermit extends SettledPermit {

    private final Part leaf;
    private boolean done;

    LeafPermit(Part leaf, int cost) {
        super(cost);
        this.leaf = leaf;
    }

    @Override
    void settle(int actual) {
        boolean slow;
        leaf.lock();
        try {
            if (done) {
                return;
            }
            done = true;
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
