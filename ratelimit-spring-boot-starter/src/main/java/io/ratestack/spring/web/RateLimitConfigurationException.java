package io.ratestack.spring.web;

/**
 * Rate limiting is configured wrongly: a property or an annotation. Startup fails with it; the starter's failure
 * analyzer explains it.
 */
public class RateLimitConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String origin;
    private final String value;
    private final String reason;

    /**
     * @param origin the property ({@code ratelimit.global.limit}) or the annotated method
     * @param value the value as configured
     * @param reason what is wrong with it
     */
    public RateLimitConfigurationException(String origin, String value, String reason) {
        super(origin + " = " + value + ": " + reason);
        this.origin = origin;
        this.value = value;
        this.reason = reason;
    }

    /** The property or annotated method. */
    public String getOrigin() {
        return origin;
    }

    /** The value as configured. */
    public String getValue() {
        return value;
    }

    /** What is wrong with it. */
    public String getReason() {
        return reason;
    }
}
