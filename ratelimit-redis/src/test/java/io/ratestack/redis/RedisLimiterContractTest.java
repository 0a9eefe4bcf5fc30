package io.ratestack.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.FakeClock;
import io.ratestack.Limit;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiterContract;
import io.ratestack.RateLimiters;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.stream.Stream;
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
        return Stream.of(
                Arguments.of("redis", redis),
                Arguments.of("redis(two limits, one script)", twoLimitsOneCall),
                Arguments.of("all(redis, timesPer)", all),
                Arguments.of("all(redis, timesPer binding)", allLocalBinds),
                Arguments.of("any(redis, timesPer)", any),
                Arguments.of("all(any(timesPer, redis), redis)", nested));
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

    @Override
    protected RateLimiter newLimiter(FakeClock clock) {
        RedisLimits limits = RedisLimits.builder(redis.connect()).prefix("contract:" + UUID.randomUUID() + ":")
                .clock(clock).build();
        return factory.apply(limits, clock);
    }

    /** Every kind here counts two uses per second. */
    @Override
    protected Profile profile() {
        return Profile.TWO_PER_SECOND;
    }
}
