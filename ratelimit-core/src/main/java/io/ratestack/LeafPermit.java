package io.ratestack;

/** A held use of a single {@link Part}: its cost, and whether it is done (guarded by the leaf's lock). */
final class LeafPermit implements Permit {

    private final Part leaf;
    private final int cost;
    private boolean done;

    LeafPermit(Part leaf, int cost) {
        this.leaf = leaf;
        this.cost = cost;
    }

    @Override
    public void close() {
        finish(cost);
    }

    @Override
    public void close(int actualCost) {
        finish(Nanos.nonNegative("actualCost", actualCost));
    }

    @Override
    public void cancel() {
        finish(0);
    }

    private void finish(int actual) {
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
