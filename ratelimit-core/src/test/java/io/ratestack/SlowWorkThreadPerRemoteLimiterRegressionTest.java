package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review finding: {@code Timers.SlowWork.EXECUTOR} is a {@code ThreadPoolExecutor(0, Integer.MAX_VALUE, 5 s,
 * SynchronousQueue)}: every alarm that fires while the earlier ones are still waiting on the store gets a new thread.
 * Remote limiters are made per client ({@code RedisLimits.limiter(client, limits)}); when the store slows down (Redis
 * at its command timeout), every limiter with a waiter whose retry falls due holds one thread in the store, so the
 * JVM makes one thread per limiter: thousands in a real fleet, exactly when the store is in trouble. The work should
 * be bounded (a small pool with a queue, or one pass at a time per limiter on a bounded executor).
 */
class SlowWorkThreadPerRemoteLimiterRegressionTest {

    private static final int LIMITERS = 64;
    private static final int BOUND = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());

    @Test
    void aSlowStoreDoesNotGetOneThreadPerRemoteLimiter() throws Exception {
        CountDownLatch asked = new CountDownLatch(LIMITERS);
        List<RemoteFixtures.Slow> stores = new ArrayList<>();
        List<RateLimiter> limiters = new ArrayList<>();
        try {
            for (int i = 0; i < LIMITERS; i++) {
                RemoteFixtures.Slow store = new RemoteFixtures.Slow(asked);
                stores.add(store);
                RateLimiter limiter = RateLimiters.remote(store, Clock.system());
                limiters.add(limiter);
                limiter.acquireAsync(); // refused: its alarm asks the store again in 20 ms
            }
            asked.await(3, TimeUnit.SECONDS); // all of them, unless the slow work is bounded
            assertThat(stores.stream().mapToInt(store -> store.askers.size()).sum())
                    .as("threads held in the slow store at once, for %s remote limiters", LIMITERS)
                    .isLessThanOrEqualTo(BOUND);
        } finally {
            stores.forEach(store -> store.answer.countDown());
            limiters.forEach(RateLimiter::close);
        }
    }
}
