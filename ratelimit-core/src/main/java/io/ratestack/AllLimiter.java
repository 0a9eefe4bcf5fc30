package io.ratestack;

import org.jspecify.annotations.Nullable;

/**
 * Every child must admit: a use holds a slot of each child at once, or of none. Children may share leaves and may
 * be composites of any depth; the plan backtracks through the choices of nested any-limiters, so a use is admitted
 * whenever some choice admits it.
 */
final class AllLimiter extends CompositeLimiter {

    private static final long serialVersionUID = 1L;

    /** When flat: the children sorted by id, a leaf listed as often as it is a child. The slots of one use. */
    private final Part @Nullable [] flatUses;
    /** When flat: how many slots of {@code leaves()[i]} one use takes. */
    private final int @Nullable [] needs;
    /** The children's largest costs, and each shared leaf's divided by the fewest times a use takes it. */
    private final int largest;

    AllLimiter(AbstractLimiter[] children, @Nullable String name) {
        super(children, name, false);
        if (flat && children.length > 0) {
            Part[] uses = new Part[children.length];
            for (int i = 0; i < children.length; i++) {
                uses[i] = (Part) children[i];
            }
            sortById(uses);
            Part[] leaves = leaves();
            int[] counts = new int[leaves.length];
            for (Part use : uses) {
                for (int i = 0; i < leaves.length; i++) {
                    if (leaves[i] == use) {
                        counts[i]++;
                    }
                }
            }
            boolean distinct = uses.length == leaves.length;
            // Each leaf once: the sorted leaves are the slots of a use, and each needs one.
            this.flatUses = distinct ? leaves : uses;
            this.needs = distinct ? null : counts;
        } else {
            this.flatUses = null;
            this.needs = null;
        }
        int least = Integer.MAX_VALUE;
        for (AbstractLimiter child : children) {
            least = Math.min(least, child.largestCost());
        }
        for (Part leaf : leaves()) {
            int takes = minTakes(leaf);
            if (takes > 1) {
                least = Math.min(least, leaf.maxCost() / takes);
            }
        }
        this.largest = least;
    }

    @Override
    boolean reserve(Journal journal, Then then) {
        if (closed) {
            return false;
        }
        return reserveFrom(0, journal, then);
    }

    private boolean reserveFrom(int index, Journal journal, Then then) {
        if (index == children.length) {
            return then.run();
        }
        return children[index].reserve(journal, () -> reserveFrom(index + 1, journal, then));
    }

    @Override
    Part @Nullable [] reserveTop(int cost, @Nullable Waiter waiter) {
        Part[] uses = flatUses;
        if (uses == null) {
            return super.reserveTop(cost, waiter);
        }
        if (closed || !flatFeasible(cost, waiter)) {
            return null;
        }
        Part[] leaves = leaves();
        int[] counts = needs;
        for (int i = 0; i < leaves.length; i++) {
            Part leaf = leaves[i];
            leaf.take(cost);
            if (counts != null) {
                for (int more = counts[i]; more > 1; more--) {
                    leaf.take(cost);
                }
            }
        }
        return uses;
    }

    @Override
    boolean feasible() {
        if (closed) {
            return false;
        }
        return flatUses != null ? flatFeasible(1, null) : super.feasible();
    }

    private boolean flatFeasible(int cost, @Nullable Waiter waiter) {
        Part[] leaves = leaves();
        int[] counts = needs;
        for (int i = 0; i < leaves.length; i++) {
            Part leaf = leaves[i];
            if (leaf.closed || leaf.available() < (counts == null ? cost : (long) cost * counts[i])
                    || leaf.heldForQueueLocked(waiter)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The least of the children's, and for a leaf that every use takes several times, its largest cost divided by
     * that: a bound, never below a cost some choice could admit.
     */
    @Override
    int largestCost() {
        return largest;
    }

    /** The sum over the children: each takes its share. */
    @Override
    int minTakes(Part leaf) {
        long sum = 0;
        for (AbstractLimiter child : children) {
            sum += child.minTakes(leaf);
        }
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    @Override
    long retryAfterNanos(long now, int cost) {
        if (closed) {
            return Refusal.NEVER;
        }
        long longest = 0L;
        for (AbstractLimiter child : children) {
            longest = Math.max(longest, child.retryAfterNanos(now, cost));
        }
        if (longest == 0L) {
            // Each child could admit alone, but not all together: they share a leaf. Guess when it next frees room.
            for (Part leaf : leaves()) {
                longest = Math.max(longest, leaf.nextFreeIn(now));
            }
        }
        return Math.max(0L, longest);
    }

    @Override
    long resetInNanosLocked(long now) {
        long longest = 0L;
        for (AbstractLimiter child : children) {
            longest = Math.max(longest, child.resetInNanosLocked(now));
        }
        return longest;
    }

    @Override
    int remainingLocked() {
        if (closed) {
            return 0;
        }
        int fewest = Integer.MAX_VALUE;
        for (AbstractLimiter child : children) {
            fewest = Math.min(fewest, child.remainingLocked());
        }
        return fewest;
    }

    @Override
    boolean canEverAdmit() {
        if (closed) {
            return false;
        }
        for (AbstractLimiter child : children) {
            if (!child.canEverAdmit()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return describe("all");
    }
}
