package io.ratestack;

import java.util.Arrays;

/** The slots a plan has taken so far, in the order taken; a use of a leaf twice appears twice. */
final class Journal {

    private TimesPerLimiter[] taken = new TimesPerLimiter[4];
    private int size;

    void push(TimesPerLimiter leaf) {
        if (size == taken.length) {
            taken = Arrays.copyOf(taken, size * 2);
        }
        taken[size++] = leaf;
    }

    void pop() {
        taken[--size] = null;
    }

    /** The taken slots sorted by leaf id, duplicates side by side: the lock order of a {@link HeldPermit}. */
    TimesPerLimiter[] sorted() {
        TimesPerLimiter[] result = Arrays.copyOf(taken, size);
        AbstractLimiter.sortById(result);
        return result;
    }
}
