package io.ratestack;

/**
 * A held use: the slots it took, sorted by leaf id (a leaf taken twice appears twice). Its first ending gives each
 * slot back on its own, without its leaf's lock where the leaf can
 * ({@link Part#releaseLockFree(int, int, long)}), else under that lock alone. Giving back needs no all-or-nothing:
 * a use that looks at the leaves meanwhile sees some slots back and others not yet, as it would a moment before or
 * after, and once this returns every slot is back.
 */
final class HeldPermit extends SettledPermit {

    private final AbstractLimiter owner;
    private final Part[] taken;

    HeldPermit(AbstractLimiter owner, Part[] taken, int cost) {
        super(cost);
        this.owner = owner;
        this.taken = taken;
    }

    @Override
    void settle(int actual) {
        Part[] slots = taken;
        long now = actual == 0 ? 0L : owner.clock().nanoTime();
        boolean slow = false;
        for (Part leaf : slots) {
            if (leaf.releaseLockFree(cost, actual, now)) {
                continue;
            }
            leaf.lock();
            try {
                long locked = leaf.clock().nanoTime();
                leaf.roll(locked);
                leaf.release(cost, actual, locked);
                slow |= leaf.support != null;
            } finally {
                leaf.unlock();
            }
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
