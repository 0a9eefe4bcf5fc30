package io.ratestack.spring.web;

import io.ratestack.InvalidTermException;
import io.ratestack.LimitSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Policy names appear in the {@code RateLimit} headers as structured-field strings and in the 429 body: each limit
 * the filter applies must have one, of printable ASCII without quotes or backslashes.
 *
 * <p>A starter rule, not the core's: a core limit's name serves messages and store keys, where any text will do; only
 * headers need this. Public for the starter's auto-configuration, which checks the names of {@code ratelimit.*}
 * limits by this rule; not an extension point.
 */
public final class PolicyNames {

    /** The rule of a name. */
    static final String RULE = "must be printable ASCII without quotes or backslashes";

    private PolicyNames() {
    }

    /**
     * Checks a policy name.
     *
     * @param name the name
     * @return the name
     * @throws InvalidTermException naming {@code name}, as the core's checks of a limit's terms do, if it cannot be
     *     written into a header as it is
     */
    public static String check(@Nullable String name) {
        if (name == null || name.isEmpty()
                || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
            throw new InvalidTermException("name", name, RULE, "name " + RULE + " but was '" + name + "'");
        }
        return name;
    }

    /** Checks that every limit has a valid name. */
    static List<LimitSpec> checkAll(List<? extends LimitSpec> limits) {
        for (LimitSpec limit : limits) {
            check(limit.name());
        }
        return List.copyOf(limits);
    }
}
