package io.ratestack;

import java.time.Duration;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract over every kind of limiter made in memory (times-per, concurrency, token bucket, GCRA and sliding
 * window, and a user's own {@link LimitAlgorithm}, alone and stacked), and over
 * {@link RateLimiters#remote} limiters (whose remote side is, here, an in-memory limiter behind the
 * {@link RemoteLimit} interface) alone and stacked with in-memory ones.
 */
@ParameterizedClass(name = "{0}")
@MethodSource({"kinds", "concurrencyKinds", "tokenBucketKinds", "gcraKinds", "slidingWindowKinds", "customKinds"})
class RateLimiterContractTest extends RateLimiterContract {

    static Stream<Arguments> kinds() {
        Function<FakeClock, RateLimiter> timesPer = clock -> twoPerSecond(clock, 2);
        Function<FakeClock, RateLimiter> all = clock ->
                RateLimiters.all(twoPerSecond(clock, 2), twoPerSecond(clock, 5));
        Function<FakeClock, RateLimiter> any = clock ->
                RateLimiters.any(twoPerSecond(clock, 1), twoPerSecond(clock, 1));
        Function<FakeClock, RateLimiter> nested = clock -> RateLimiters.all(
                RateLimiters.any(twoPerSecond(clock, 1), twoPerSecond(clock, 1)), twoPerSecond(clock, 3));
        Function<FakeClock, RateLimiter> remote = clock -> remote(clock, 2);
        Function<FakeClock, RateLimiter> allMixed = clock -> RateLimiters.all(remote(clock, 2), twoPerSecond(clock, 5));
        Function<FakeClock, RateLimiter> allMixedLocalBinds = clock ->
                RateLimiters.all(remote(clock, 7), twoPerSecond(clock, 2));
        Function<FakeClock, RateLimiter> anyMixed = clock -> RateLimiters.any(remote(clock, 1), twoPerSecond(clock, 1));
        Function<FakeClock, RateLimiter> nestedMixed = clock -> RateLimiters.all(
                RateLimiters.any(twoPerSecond(clock, 1), remote(clock, 1)), remote(clock, 3));
        return withProfile(Profile.TWO_PER_SECOND,
                Arguments.of("timesPer", timesPer),
                Arguments.of("all", all),
                Arguments.of("any", any),
                Arguments.of("all(any)", nested),
                Arguments.of("remote", remote),
                Arguments.of("all(remote, timesPer)", allMixed),
                Arguments.of("all(remote, timesPer binding)", allMixedLocalBinds),
                Arguments.of("any(remote, timesPer)", anyMixed),
                Arguments.of("all(any(timesPer, remote), remote)", nestedMixed));
    }

    static Stream<Arguments> concurrencyKinds() {
        Function<FakeClock, RateLimiter> concurrency = clock -> twoAtOnce(clock, 2);
        Function<FakeClock, RateLimiter> all = clock -> RateLimiters.all(twoAtOnce(clock, 2), twoPerSecond(clock, 10));
        Function<FakeClock, RateLimiter> any = clock -> RateLimiters.any(twoAtOnce(clock, 1), twoAtOnce(clock, 1));
        Function<FakeClock, RateLimiter> remote = clock ->
                RateLimiters.remote(new RemoteFixtures.Far(twoAtOnce(clock, 2)), clock);
        return withProfile(Profile.twoAtOnce(Duration.ofSeconds(1)),
                Arguments.of("concurrency", concurrency),
                Arguments.of("all(concurrency, timesPer)", all),
                Arguments.of("any(concurrency, concurrency)", any),
                Arguments.of("remote(concurrency)", remote));
    }

    /**
     * Token buckets that gain their capacity at once a second after they were used up: interval refill of 2 every
     * second, or, in {@code any()}, greedy buckets of one token (a greedy bucket of two would gain one token at half
     * the time, which two-per-second's profile does not describe).
     */
    static Stream<Arguments> tokenBucketKinds() {
        Function<FakeClock, RateLimiter> bucket = clock -> twoEverySecond(clock);
        Function<FakeClock, RateLimiter> all = clock ->
                RateLimiters.all(twoEverySecond(clock), twoPerSecond(clock, 10));
        Function<FakeClock, RateLimiter> any = clock -> RateLimiters.any(oneGreedyPerSecond(clock),
                oneGreedyPerSecond(clock));
        Function<FakeClock, RateLimiter> remote = clock ->
                RateLimiters.remote(new RemoteFixtures.Far(twoEverySecond(clock)), clock);
        return withProfile(Profile.TWO_PER_SECOND.countingFromTheTake(),
                Arguments.of("tokenBucket", bucket),
                Arguments.of("all(tokenBucket, timesPer)", all),
                Arguments.of("any(tokenBucket greedy, tokenBucket greedy)", any),
                Arguments.of("remote(tokenBucket)", remote));
    }

    /**
     * GCRA limiters: two per two seconds with a burst of two (one use frees a second after using it up, the next a
     * second later), alone and in {@code all()}; in {@code any()} and behind {@code remote()}, two of one per second
     * with a burst of one, which recover together as two-per-second does (a remote limiter rechecks a locked status
     * when the store's reset is over, and a GCRA's reset is its full recovery, not its first freed use).
     */
    static Stream<Arguments> gcraKinds() {
        Profile oneBySecond = new Profile(Duration.ofSeconds(1), 1, Duration.ofSeconds(1), false);
        Profile twoPerSecond = Profile.TWO_PER_SECOND.countingFromTheTake();
        Function<FakeClock, RateLimiter> gcra = clock -> twoPerTwoSeconds(clock);
        Function<FakeClock, RateLimiter> all = clock ->
                RateLimiters.all(twoPerTwoSeconds(clock), twoPerSecond(clock, 10));
        Function<FakeClock, RateLimiter> any = clock -> RateLimiters.any(onePerSecond(clock), onePerSecond(clock));
        Function<FakeClock, RateLimiter> remote = clock ->
                RateLimiters.remote(new RemoteFixtures.Far(RateLimiters.any(onePerSecond(clock), onePerSecond(clock))),
                        clock);
        return Stream.of(
                Arguments.of("gcra", gcra, oneBySecond),
                Arguments.of("all(gcra, timesPer)", all, oneBySecond),
                Arguments.of("any(gcra burst 1, gcra burst 1)", any, twoPerSecond),
                Arguments.of("remote(any(gcra burst 1, gcra burst 1))", remote, twoPerSecond));
    }

    /**
     * Sliding windows: alone and in {@code all()}, two uses per second, used up at a window's start: one frees
     * 1.5 s later (the refusal's retry-after) and the second when the window after starts, so two seconds free both
     * (and waiters then get two more every two seconds); in {@code any()} and behind {@code remote()}, two of one use per second,
     * each freed two seconds after using it up (a limit of one needs the previous window fully rolled out), which is
     * also its reset.
     */
    static Stream<Arguments> slidingWindowKinds() {
        Profile twoFreedInTwoSeconds = new Profile(Duration.ofSeconds(2), 2, Duration.ofMillis(1500), false);
        Profile twoByTwoSeconds = new Profile(Duration.ofSeconds(2), 2, Duration.ofSeconds(2), false);
        Function<FakeClock, RateLimiter> alone = clock -> twoPerSlidingSecond(clock);
        Function<FakeClock, RateLimiter> all = clock ->
                RateLimiters.all(twoPerSlidingSecond(clock), twoPerSecond(clock, 10));
        Function<FakeClock, RateLimiter> any = clock ->
                RateLimiters.any(onePerSlidingSecond(clock), onePerSlidingSecond(clock));
        Function<FakeClock, RateLimiter> remote = clock -> RateLimiters.remote(new RemoteFixtures.Far(
                RateLimiters.any(onePerSlidingSecond(clock), onePerSlidingSecond(clock))), clock);
        return Stream.of(
                Arguments.of("slidingWindow", alone, twoFreedInTwoSeconds),
                Arguments.of("all(slidingWindow, timesPer)", all, twoFreedInTwoSeconds),
                Arguments.of("any(slidingWindow, slidingWindow)", any, twoByTwoSeconds),
                Arguments.of("remote(any(slidingWindow, slidingWindow))", remote, twoByTwoSeconds));
    }

    /** A user's own algorithm, {@link FixedWindow}: two uses per second from the first, freed together. */
    static Stream<Arguments> customKinds() {
        Function<FakeClock, RateLimiter> alone = clock -> twoPerFixedSecond(clock, 2);
        Function<FakeClock, RateLimiter> all = clock ->
                RateLimiters.all(twoPerFixedSecond(clock, 2), twoPerSecond(clock, 10));
        Function<FakeClock, RateLimiter> any = clock ->
                RateLimiters.any(twoPerFixedSecond(clock, 1), twoPerFixedSecond(clock, 1));
        Function<FakeClock, RateLimiter> remote = clock ->
                RateLimiters.remote(new RemoteFixtures.Far(twoPerFixedSecond(clock, 2)), clock);
        return withProfile(Profile.TWO_PER_SECOND.countingFromTheTake(),
                Arguments.of("custom", alone),
                Arguments.of("all(custom, timesPer)", all),
                Arguments.of("any(custom, custom)", any),
                Arguments.of("remote(custom)", remote));
    }

    private static RateLimiter twoPerFixedSecond(FakeClock clock, int limit) {
        return RateLimiters.custom(new FixedWindow(limit, Duration.ofSeconds(1)), clock);
    }

    private static RateLimiter twoPerSlidingSecond(FakeClock clock) {
        return RateLimiters.slidingWindowBuilder(2, Duration.ofSeconds(1)).clock(clock).build();
    }

    private static RateLimiter onePerSlidingSecond(FakeClock clock) {
        return RateLimiters.slidingWindowBuilder(1, Duration.ofSeconds(1)).clock(clock).build();
    }

    private static RateLimiter twoPerTwoSeconds(FakeClock clock) {
        return RateLimiters.gcraBuilder(2, Duration.ofSeconds(2), 2).clock(clock).build();
    }

    private static RateLimiter onePerSecond(FakeClock clock) {
        return RateLimiters.gcraBuilder(1, Duration.ofSeconds(1), 1).clock(clock).build();
    }

    private static RateLimiter twoEverySecond(FakeClock clock) {
        return RateLimiters.tokenBucketBuilder(2, 2, Duration.ofSeconds(1)).intervalRefill().clock(clock).build();
    }

    private static RateLimiter oneGreedyPerSecond(FakeClock clock) {
        return RateLimiters.tokenBucketBuilder(1, 1, Duration.ofSeconds(1)).clock(clock).build();
    }

    private static RateLimiter twoAtOnce(FakeClock clock, int permits) {
        return RateLimiters.concurrencyBuilder(permits).clock(clock).build();
    }

    private static RateLimiter twoPerSecond(FakeClock clock, int limit) {
        return RateLimiters.timesPerBuilder(limit, Duration.ofSeconds(1)).clock(clock).build();
    }

    private static RateLimiter remote(FakeClock clock, int limit) {
        return RemoteFixtures.remote(clock, limit, Duration.ofSeconds(1));
    }

    @Parameter(0)
    String kind;

    @Parameter(1)
    Function<FakeClock, RateLimiter> factory;

    @Parameter(2)
    Profile profile;

    @Override
    protected RateLimiter newLimiter(FakeClock clock) {
        return factory.apply(clock);
    }

    @Override
    protected Profile profile() {
        return profile;
    }
}
