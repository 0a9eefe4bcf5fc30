package io.ratestack;

import org.jspecify.annotations.Nullable;

/**
 * The first child, in the given order, that admits: a use holds a slot of that child only. Waits, when none admits,
 * for the first that frees.
 */
final class AnyLimiter extends CompositeLimiter {

    private static final long serialVersionUID = 1L;

    AnyLimiter(AbstractLimiter[] children, @Nullable String name) {
        super(children, name, true);
    }

    @Override
    boolean reserve(Journal journal, Then then) {
        if (closed) {
            return false;
        }
        if (children.length == 0) {
            return then.run();
        }
        for (AbstractLimiter child : children) {
            if (child.reserve(journal, then)) {
                return true;
            }
        }
        return false;
    }

    @Override
    Part @Nullable [] reserveTop(int cost, @Nullable Waiter waiter) {
        if (closed) {
            return null;
        }
        if (!flat) {
            return super.reserveTop(cost, waiter);
        }
        for (AbstractLimiter child : children) {
            Part[] taken = child.reserveTop(cost, waiter);
            if (taken != null) {
                return taken;
            }
        }
        return null;
    }

    @Override
    boolean feasible() {
        if (closed) {
            return false;
        }
        if (!flat) {
            return super.feasible();
        }
        for (AbstractLimiter child : children) {
            if (child.feasible()) {
                return true;
            }
        }
        return children.length == 0;
    }

    @Override
    long retryAfterNanos(long now, int cost) {
        if (closed) {
            return Refusal.NEVER;
        }
        long shortest = Refusal.NEVER;
        for (AbstractLimiter child : children) {
            shortest = Math.min(shortest, child.retryAfterNanos(now, cost));
        }
        return children.length == 0 ? 0L : shortest;
    }

    /** The largest of the open children's: a use fits if one of them can take it. */
    @Override
    int largestCost() {
        if (children.length == 0) {
            return Integer.MAX_VALUE;
        }
        int largest = 0;
        for (AbstractLimiter child : children) {
            if (child.canEverAdmit()) {
                largest = Math.max(largest, child.largestCost());
            }
        }
        return largest;
    }

    /** The fewest over the children: a use takes one of them. */
    @Override
    int minTakes(Part leaf) {
        int fewest = children.length == 0 ? 0 : Integer.MAX_VALUE;
        for (AbstractLimiter child : children) {
            fewest = Math.min(fewest, child.minTakes(leaf));
        }
        return fewest;
    }

    @Override
    long resetInNanosLocked(long now) {
        long shortest = Long.MAX_VALUE;
        for (AbstractLimiter child : children) {
            shortest = Math.min(shortest, child.resetInNanosLocked(now));
        }
        return children.length == 0 ? 0L : shortest;
    }

    @Override
    int remainingLocked() {
        if (closed) {
            return 0;
        }
        if (children.length == 0) {
            return Integer.MAX_VALUE;
        }
        long sum = 0;
        if (flat) {
            for (Part leaf : leaves()) {
                sum += leaf.remainingLocked();
            }
        } else {
            for (AbstractLimiter child : children) {
                sum += child.remainingLocked();
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    @Override
    boolean canEverAdmit() {
        if (closed) {
            return false;
        }
        for (AbstractLimiter child : children) {
            if (child.canEverAdmit()) {
                return true;
            }
        }
        return children.length == 0;
    }

    @Override
    public String toString() {
        return describe("any");
    }
}
