package io.ratestack;

/**
 * A held use: the slots it took, sorted by leaf id (a leaf taken twice appears twice). Whether it is done is guarded
 * by the locks of those leaves, which completing and cancelling take anyway, so the first call wins without any
 * atomic of its own.
 */
final class HeldPermit extends SettledPermit {

    private final AbstractLimiter owner;
    private final Part[] taken;
    private boolean done;

    HeldPermit(AbstractLimiter owner, Part[] taken, int cost) {
        super(cost);
        this.owner = owner;
        this.taken = taken;
    }

    @Override
    void settle(int actual) {
        Part[] slots = taken;
        boolean slow = false;
        lockDistinct(slots);
        try {
            if (done) {
                return;
            }
            done = true;
            long now = owner.clock().nanoTime();
            for (int i = 0; i < slots.length; i++) {
                Part leaf = slots[i];
                if (i == 0 || slots[i - 1] != leaf) {
                    leaf.roll(now);
                    slow |= leaf.support != null;
                }
                leaf.release(cost, actual, now);
            }
        } finally {
            unlockDistinct(slots);
        }
        if (slow) {
            AbstractLimiter.afterChanges(slots);
        }
    }

    static void lockDistinct(Part[] slots) {
        for (int i = 0; i < slots.length; i++) {
            if (i == 0 || slots[i - 1] != slots[i]) {
                slots[i].lock();
            }
        }
    }

    static void unlockDistinct(Part[] slots) {
        for (int i = slots.length - 1; i >= 0; i--) {
            if (i == 0 || slots[i - 1] != slots[i]) {
                slots[i].unlock();
            }
        }
    }

    @Override
    public String toString() {
        return "Permit[" + owner + "]";
    }
}
