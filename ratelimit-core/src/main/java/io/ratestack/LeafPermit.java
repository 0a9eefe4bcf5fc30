package io.ratestack;

/** A held use of a single {@link LocalPart}: the slot, and whether it is done (guarded by the leaf's lock). */
final class LeafPermit implements Permit {

    private final LocalPart leaf;
    private boolean done;

    LeafPermit(LocalPart leaf) {
        this.leaf = leaf;
    }

    @Override
    public void close() {
        finish(true);
    }

    @Override
    public void cancel() {
        finish(false);
    }

    private void finish(boolean complete) {
        boolean slow;
        leaf.lock();
        try {
            if (done) {
                return;
            }
            done = true;
            long now = leaf.clock().nanoTime();
            leaf.roll(now);
            leaf.release(complete, now);
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
