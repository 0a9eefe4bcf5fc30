package io.ratestack.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiterContract;
import io.ratestack.RateLimiters;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The core's limiter contract over limiters whose state lives in a real Redis, alone and stacked with in-memory
 * limiters. Windows run on the test's fake clock (passed to the scripts), so the contract's timings hold exactly.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("kinds")
class RedisLimiterContractTest extends RateLimiterContract {

    @RegisterExtension
    static final RunningRedis redis = new RunningRedis();

    static Stream<Arguments> kinds() {
        BiFunction<RedisLimits, FakeClock, RateLimiter> redis = (limits, clock) -> shared(limits, "a", 2);
        BiFunction<RedisLimits, FakeClock, RateLimiter> all = (limits, clock) ->
                RateLimiters.all(shared(limits, "a", 2), inMemory(clock, 5));
        BiFunction<RedisLimits, FakeClock, RateLimiter> allLocalBinds = (limits, clock) ->
                RateLimiters.all(shared(limits, "a", 7), inMemory(clock, 2));
        BiFunction<RedisLimits, FakeClock, RateLimiter> any = (limits, clock) ->
                RateLimiters.any(shared(limits, "a", 1), inMemory(clock, 1));
        BiFunction<RedisLimits, FakeClock, RateLimiter> nested = (limits, clock) -> RateLimiters.all(
                RateLimiters.any(inMemory(clock, 1), shared(limits, "a", 1)), shared(limits, "b", 3));
        BiFunction<RedisLimits, FakeClock, RateLimiter> twoLimitsOneCall = (limits, clock) -> limits.limiter("client",
                List.of(Limit.of(2, Duration.ofSeconds(1)).named("a"), Limit.of(9, Duration.ofSeconds(1)).named("b")));
        Stream<Arguments> timesPer = withProfile(Profile.TWO_PER_SECOND,
                Arguments.of("redis", redis),
                Arguments.of("redis(two limits, one script)", twoLimitsOneCall),
                Arguments.of("all(redis, timesPer)", all),
                Arguments.of("all(redis, timesPer binding)", allLocalBinds),
                Arguments.of("any(redis, timesPer)", any),
                Arguments.of("all(any(timesPer, redis), redis)", nested));
        return Stream.concat(timesPer, otherAlgorithms());
    }

    /**
     * The other algorithms, with the in-memory contract's profiles of them behind {@code remote()}: concurrency, two
     * at once; token buckets of two every second (interval refill); GCRA and sliding windows as {@code any()} of two
     * limiters of one use each, recovering together a second after they were used up (one per second, burst one;
     * one per half-second window, which needs the previous window rolled out). Each alone and with a times-per
     * limit of ten in the same script call; concurrency also in {@code any()} over Redis and beside an in-memory
     * limit, and a bucket in {@code all()} with an in-memory times-per limit.
     */
    static Stream<Arguments> otherAlgorithms() {
        LimitSpec concurrency = LimitSpec.Concurrency.of(2).named("cc");
        LimitSpec bucket = LimitSpec.TokenBucket.of(2, 2, Duration.ofSeconds(1)).intervalRefill().named("tb");
        Function<String, LimitSpec> gcra = name -> LimitSpec.Gcra.of(1, Duration.ofSeconds(1), 1).named(name);
        Function<String, LimitSpec> window = name -> LimitSpec.SlidingWindow.of(1, Duration.ofMillis(500))
                .named(name);
        Limit ten = Limit.of(10, Duration.ofSeconds(1)).named("tp");
        Profile twoAtOnce = Profile.twoAtOnce(Duration.ofSeconds(1));
        Profile twoPerSecond = Profile.TWO_PER_SECOND.countingFromTheTake();
        return Stream.of(
                Arguments.of("redis(concurrency)", one(concurrency), twoAtOnce),
                Arguments.of("redis(concurrency, timesPer)", one(concurrency, ten), twoAtOnce),
                Arguments.of("redis(tokenBucket)", one(bucket), twoPerSecond),
                Arguments.of("redis(tokenBucket, timesPer)", one(bucket, ten), twoPerSecond),
                Arguments.of("any(redis(concurrency), redis(concurrency))", two(name -> LimitSpec.Concurrency.of(1)
                        .named(name), null), twoAtOnce),
                Arguments.of("any(redis(concurrency), concurrency)", (BiFunction<RedisLimits, FakeClock, RateLimiter>)
                        (limits, clock) -> RateLimiters.any(limits.limiter("client",
                                List.of(LimitSpec.Concurrency.of(1).named("cc"))),
                                RateLimiters.concurrencyBuilder(1).clock(clock).build()), twoAtOnce),
                Arguments.of("all(redis(tokenBucket), timesPer)", (BiFunction<RedisLimits, FakeClock, RateLimiter>)
                        (limits, clock) -> RateLimiters.all(one(bucket).apply(limits, clock), inMemory(clock, 10)),
                        twoPerSecond),
                Arguments.of("any(redis(gcra), redis(gcra))", two(gcra, null), twoPerSecond),
                Arguments.of("any(redis(gcra, timesPer), redis(gcra, timesPer))", two(gcra, ten),
                        twoPerSecond),
                Arguments.of("any(redis(slidingWindow), redis(slidingWindow))", two(window, null),
                        twoPerSecond),
                Arguments.of("any(redis(slidingWindow, timesPer), redis(slidingWindow, timesPer))",
                        two(window, ten), twoPerSecond));
    }

    /** One Redis limiter over these limits, in one script call. */
    private static BiFunction<RedisLimits, FakeClock, RateLimiter> one(LimitSpec... specs) {
        return (limits, clock) -> limits.limiter("client", List.of(specs));
    }

    /** {@code any()} of two Redis limiters, each of a limit named apart and, if given, {@code with}. */
    private static BiFunction<RedisLimits, FakeClock, RateLimiter> two(Function<String, LimitSpec> spec,
            @Nullable Limit with) {
        return (limits, clock) -> RateLimiters.any(
                limits.limiter("client", with == null ? List.of(spec.apply("a")) : List.of(spec.apply("a"), with)),
                limits.limiter("client", with == null ? List.of(spec.apply("b")) : List.of(spec.apply("b"), with)));
    }

    private static RateLimiter shared(RedisLimits limits, String name, int limit) {
        return limits.limiter("client", List.of(Limit.of(limit, Duration.ofSeconds(1)).named(name)));
    }

    private static RateLimiter inMemory(FakeClock clock, int limit) {
        return RateLimiters.timesPerBuilder(limit, Duration.ofSeconds(1)).clock(clock).build();
    }

    @Parameter(0)
    String kind;

    @Parameter(1)
    BiFunction<RedisLimits, FakeClock, RateLimiter> factory;

    @Parameter(2)
    Profile profile;

    @Override
    protected RateLimiter newLimiter(FakeClock clock) {
        // Leases outlast the contract's longest wait (an hour), as held uses do in memory.
        RedisLimits limits = RedisLimits.builder(redis.connect()).prefix("contract:" + UUID.randomUUID() + ":")
                .lease(Duration.ofDays(1)).clock(clock).build();
        return factory.apply(limits, clock);
    }

    @Override
    protected Profile profile() {
        return profile;
    }
}
