package io.ratestack;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/** The slots a plan has taken so far for a use of {@link #cost}, in the order taken; a leaf used twice appears twice. */
final class Journal {

    /** What the use takes from each part it holds. */
    final int cost;
    /** The waiter the plan is for, or {@code null} for a use that is not queued (it comes after every waiter). */
    final @Nullable Waiter waiter;

    private Part[] taken = new Part[4];
    private int size;

    Journal(int cost, @Nullable Waiter waiter) {
        this.cost = cost;
        this.waiter = waiter;
    }

    void push(Part leaf) {
        if (size == taken.length) {
            taken = Arrays.copyOf(taken, size * 2);
        }
        taken[size++] = leaf;
    }

    void pop() {
        taken[--size] = null;
    }

    /** The taken slots sorted by leaf id, duplicates side by side: the lock order of a {@link HeldPermit}. */
    Part[] sorted() {
        Part[] result = Arrays.copyOf(taken, size);
        AbstractLimiter.sortById(result);
        return result;
    }
}
