package io.ratestack;

import java.util.Arrays;

/** The slots a plan has taken so far, in the order taken; a use of a leaf twice appears twice. */
final class Journal {

    private LocalPart[] taken = new LocalPart[4];
    private int size;

    void push(LocalPart leaf) {
        if (size == taken.length) {
            taken = Arrays.copyOf(taken, size * 2);
        }
        taken[size++] = leaf;
    }

    void pop() {
        taken[--size] = null;
    }

    /** The taken slots sorted by leaf id, duplicates side by side: the lock order of a {@link HeldPermit}. */
    LocalPart[] sorted() {
        LocalPart[] result = Arrays.copyOf(taken, size);
        AbstractLimiter.sortById(result);
        return result;
    }
}
