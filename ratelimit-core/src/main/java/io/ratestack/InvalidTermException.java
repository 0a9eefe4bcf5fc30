package io.ratestack;

import org.jspecify.annotations.Nullable;

/**
 * A term out of range: a limit's component ({@code per}, {@code resetOffset}, {@code capacity}) or a method's
 * argument ({@code timeout}). Carries the term's name as the record component or parameter is named, the value and
 * the rule it breaks, so that configuration built on the core (properties, annotations) can name its own key for
 * the term without reading the message. The message reads {@code per must be > 0 but was PT0S}.
 */
public class InvalidTermException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String term;
    private final transient @Nullable Object value;
    private final String rule;

    /**
     * @param term the term's name, as its record component or parameter is named ({@code resetOffset})
     * @param value the value
     * @param rule the rule it breaks, said of the term ({@code must be > 0})
     */
    public InvalidTermException(String term, @Nullable Object value, String rule) {
        this(term, value, rule, term + " " + rule + " but was " + value);
    }

    /**
     * @param term the term's name, as its record component or parameter is named ({@code resetOffset})
     * @param value the value
     * @param rule the rule it breaks, said of the term ({@code must be >= -per})
     * @param message the message, when the rule reads better with the other terms' values
     */
    public InvalidTermException(String term, @Nullable Object value, String rule, String message) {
        super(message);
        this.term = term;
        this.value = value;
        this.rule = rule;
    }

    /** The term's name, as its record component or parameter is named, such as {@code resetOffset}. */
    public String term() {
        return term;
    }

    /** The value out of range. */
    public @Nullable Object value() {
        return value;
    }

    /** The rule the value breaks, said of the term: {@code must be > 0}. */
    public String rule() {
        return rule;
    }
}
