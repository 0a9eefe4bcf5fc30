package io.ratestack;

/** A held use of a single {@link TimesPerLimiter}: the slot, and whether it is done (guarded by the leaf's lock). */
final class LeafPermit implements Permit {

    private final TimesPerLimiter leaf;
    private boolean done;

    LeafPermit(TimesPerLimiter leaf) {
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
            long now = leaf.spec.clock().nanoTime();
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
