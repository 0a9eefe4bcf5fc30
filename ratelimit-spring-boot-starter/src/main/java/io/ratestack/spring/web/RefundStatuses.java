package io.ratestack.spring.web;

import java.util.BitSet;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The response statuses whose use is refunded (does not count): {@code 500}, ranges such as {@code 5xx} or
 * {@code 500-504}.
 */
public final class RefundStatuses {

    private final BitSet statuses;
    private final List<String> specs;

    private RefundStatuses(BitSet statuses, List<String> specs) {
        this.statuses = statuses;
        this.specs = specs;
    }

    /** Why a spec that {@link #isValid} refuses is wrong. */
    public static final String SPEC_RULE = "must be a status (500), a class (5xx) or a range (500-504) between 100"
            + " and 599";

    /**
     * Parses status specs.
     *
     * @param specs each a status ({@code 500}), a class ({@code 5xx}) or a range ({@code 500-504}), from 100 to 599
     * @return the statuses
     * @throws IllegalArgumentException naming the index and the spec that does not parse
     */
    public static RefundStatuses parse(List<String> specs) {
        BitSet statuses = new BitSet(600);
        for (int i = 0; i < specs.size(); i++) {
            int[] range = range(specs.get(i));
            if (range == null) {
                throw new IllegalArgumentException("[" + i + "] " + SPEC_RULE + " but was '" + specs.get(i) + "'");
            }
            statuses.set(range[0], range[1] + 1);
        }
        return new RefundStatuses(statuses, List.copyOf(specs));
    }

    /**
     * Whether one spec parses.
     *
     * @param spec a status ({@code 500}), a class ({@code 5xx}) or a range ({@code 500-504}), or anything else
     * @return whether {@link #parse} takes it
     */
    public static boolean isValid(@Nullable String spec) {
        return range(spec) != null;
    }

    private static int @Nullable [] range(@Nullable String text) {
        String spec = text == null ? "" : text.strip();
        if (spec.length() == 3 && (spec.endsWith("xx") || spec.endsWith("XX")) && Character.isDigit(spec.charAt(0))) {
            int first = (spec.charAt(0) - '0') * 100;
            return first >= 100 && first <= 500 ? new int[] {first, first + 99} : null;
        }
        int dash = spec.indexOf('-');
        try {
            int from = Integer.parseInt(dash < 0 ? spec : spec.substring(0, dash).strip());
            int to = dash < 0 ? from : Integer.parseInt(spec.substring(dash + 1).strip());
            return from >= 100 && to <= 599 && from <= to ? new int[] {from, to} : null;
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }

    /** Whether a use that ended with {@code status} is refunded. */
    public boolean contains(int status) {
        return status >= 0 && statuses.get(status);
    }

    @Override
    public String toString() {
        return specs.toString();
    }
}
