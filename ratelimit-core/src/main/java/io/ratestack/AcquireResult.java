package io.ratestack;

/**
 * The answer of {@link RateLimiter#tryAcquire()}: either a {@link Permit} (granted) or a {@link Refusal} that says
 * how long until a retry can succeed.
 *
 * <pre>{@code
 * AcquireResult result = limiter.tryAcquire();
 * if (result instanceof Permit permit) {
 *     try (permit) {
 *         handle();
 *     }
 * } else if (result instanceof Refusal refusal) {
 *     reject(refusal.retryAfter());
 * }
 * }</pre>
 */
public sealed interface AcquireResult permits Permit, Refusal {

    /** Whether the use was granted, that is whether this is a {@link Permit}. */
    boolean isGranted();

    /**
     * The permit of a granted use.
     *
     * @return this result as a permit
     * @throws IllegalStateException if the use was refused
     */
    Permit permit();
}
