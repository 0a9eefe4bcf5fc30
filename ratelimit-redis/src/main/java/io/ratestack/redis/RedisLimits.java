package io.ratestack.redis;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.ratestack.AcquireResult;
import io.ratestack.Clock;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.RateLimiters;
import io.ratestack.RemoteLimit;
import io.ratestack.Refusal;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Limits of every algorithm whose state lives in Redis, so every instance that shares the server shares the budget.
 *
 * <p>Each {@link LimitSpec} keeps the semantics of its in-memory limiter ({@link RateLimiters#of}): the same
 * decisions, retry-after, remaining and reset, in the same integer arithmetic, counted in microseconds on the Redis
 * server's clock, so instances whose clocks disagree still agree on the limits. One {@link #tryAcquire} takes a use of
 * every limit it names or of none, in one script call; one more call ends the use. A use has a cost, 1 unless asked
 * ({@link #tryAcquire(String, List, int)}), and its permit may settle a different final cost when it ends, by its
 * {@code close(int actualCost)} ({@link Permit#close()} settles the cost, {@link Permit#cancel()} nothing):
 *
 * <ul>
 *   <li>times-per ({@link Limit}): a use takes {@code cost} in-flight slots, admitted iff
 *       {@code used + inFlight + cost <= limit}; its end frees them and counts the final cost in the window, which
 *       starts at the first completion and lasts {@code per + resetOffset} ({@code used} may pass the limit when the
 *       final cost is above the cost: nothing is admitted until the window ends);
 *   <li>concurrency: {@code cost} units held until the use ends, whatever its final cost;
 *   <li>token bucket: a use takes {@code cost} tokens; a lower final cost puts the difference back (never above
 *       capacity), a higher one takes the rest, leaving a debt that the refill repays before anything is admitted;
 *       the refill keeps Bucket4j's exact integer arithmetic with its remainder;
 *   <li>GCRA: a use moves the theoretical arrival time by {@code cost} emission intervals (rounded up to a whole
 *       microsecond); its end moves it by {@code (actual - cost)} intervals, never below now;
 *   <li>sliding window: a use adds {@code cost} to the running window; its end adds {@code actual - cost}, and what
 *       a negative difference cannot take off the running window comes off the previous one's count.
 * </ul>
 *
 * <p>A cost above what some limit can ever admit (its limit, permits, capacity or burst) is refused with a
 * retry-after of {@link Refusal#NEVER}. Lua's numbers are doubles, exact for integers below {@code 2^53}: every
 * count and time stays below that (times are at most {@code 2^62} nanoseconds, in microseconds), and the one
 * product that could pass it (a bucket's refill tokens times the elapsed microseconds) takes the in-memory
 * limiter's own floating-point fallback there.
 *
 * <p>An in-flight slot (times-per, concurrency) is a lease that carries its cost: if the instance holding it dies,
 * the slot frees itself after {@link #lease()}. A use that completes after its lease ran out counts only what its
 * limit still has room for. Every key expires once it holds nothing (a bucket once it is full), a second later, so
 * an idle client costs nothing; a missing key is a fresh limiter, and the fixed windows of interval refills and
 * sliding windows are aligned on the server clock's epoch so that a key that came back keeps their phase. A bucket
 * with fewer initial tokens than its capacity keeps its key while full for as long as a new bucket takes to fill.
 * A client's keys share one hash tag, so they share a Redis Cluster slot:
 *
 * <pre>{@code prefix{client}:name:s    times-per: the window (used, end) and the cost held by leases (held)
 * prefix{client}:name:l    times-per: the leases of in-flight uses (token#cost -> expiry)
 * prefix{client}:name:c    concurrency: the cost held by leases (held)
 * prefix{client}:name:cl   concurrency: the leases of held uses (token#cost -> expiry)
 * prefix{client}:name:b    token bucket: tokens, rem (a part of a token, in token-microseconds), last refill
 * prefix{client}:name:g    GCRA: the theoretical arrival time
 * prefix{client}:name:w    sliding window: prev, cur, start of the running window}</pre>
 *
 * <p>(An empty client is tagged {@code %}; {@code %}, <code>{</code> and <code>}</code> in a client are escaped as
 * {@code %25}, {@code %7B} and {@code %7D}.)
 *
 * <p>Example:
 *
 * <pre>{@code
 * RedisLimits limits = RedisLimits.builder(connection).prefix("api:").build();
 * List<LimitSpec> perClient = List.of(Limit.of(10, Duration.ofSeconds(10)).named("global"),
 *         LimitSpec.TokenBucket.of(5, 1, Duration.ofSeconds(1)).named("route:/test"));
 * AcquireResult result = limits.tryAcquire("203.0.113.7", perClient);
 * if (result instanceof Permit permit) {
 *     try (permit) {
 *         handle();
 *     }
 * }
 * }</pre>
 *
 * <p>Every call waits at most {@linkplain Builder#commandTimeout the command timeout}; past it, or when Redis
 * answers with an error, the {@link StoreFailurePolicy} decides (fail-open by default). Once a call has failed,
 * Redis is known to be unavailable and calls no longer wait for it: only one call per
 * {@linkplain Builder#probeInterval probe interval} (default {@link #DEFAULT_PROBE_INTERVAL}) tries Redis, the
 * others are answered by the policy at once, and the first call that Redis answers ends the outage. The first
 * failure after a success is logged once as a warning and the first success after failures once as information,
 * through {@link System.Logger} (Spring Boot routes it to its logging); {@link #failures()}, {@link #recoveries()}
 * and {@link #isAvailable()} count the rest, for metrics. A use admitted while Redis was away is not recorded there;
 * a use whose end cannot reach Redis frees its slot when its lease runs out.
 *
 * <p>A use costs one blocking round trip: its acquire. Its end ({@link Permit#close()}, {@link Permit#cancel()}) is
 * sent at once and not waited for; it follows its acquire, whose answer came first. An end that Redis answers with
 * an error, or does not answer within the command timeout, counts as one failure like any call (logged once, as
 * above, not per use), and its slot frees when its lease runs out; one given up on at the timeout still runs when
 * Redis gets to it. At most 4,096 ends are in the connection at once, answered or not, given up on or not: past
 * that (a Redis slower than the traffic, or one that stopped answering) an end waits for room, at most the command
 * timeout, and is then not sent, a failure whose slot its lease frees. {@link #awaitEnds()} waits for the ends sent so far, before reading Redis through
 * another connection or before closing the connection.
 *
 * <p>Thread-safe.
 */
public final class RedisLimits {

    /** How long an in-flight slot outlives a silent holder by default. */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(1);

    /** How long to wait for Redis before the failure policy answers, by default. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(250);

    /** The retry-after of refusals made under {@link StoreFailurePolicy#FAIL_CLOSED}. */
    public static final Duration FAIL_CLOSED_RETRY_AFTER = Duration.ofSeconds(1);

    /** How often, by default, one call tries Redis again while it is unavailable. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);

    /** The one refusal made under {@link StoreFailurePolicy#FAIL_CLOSED}; see {@link #isUnavailableRefusal}. */
    private static final Refusal UNAVAILABLE = new Refusal(FAIL_CLOSED_RETRY_AFTER.toNanos(), 0);

    /** How many ends of uses may wait for Redis's answer at once, by default; see the class javadoc. */
    static final int MAX_ENDS_IN_FLIGHT = 4096;

    /** The retry-after of an acquire whose thread was interrupted: try again soon, if at all. */
    private static final long INTERRUPTED_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Permit UNCOUNTED = new Permit() {
        @Override
        public void close() {
        }

        @Override
        public void close(int actualCost) {
        }

        @Override
        public void cancel() {
        }

        @Override
        public String toString() {
            return "Permit[uncounted: Redis unavailable, failing open]";
        }
    };
    /** The warm-up's own hash tag, which no client's can be: an escaped tag holds '%' only before 25, 7B or 7D. */
    private static final String WARM_UP_TAG = "%warm-up";
    /** The warm-up's limits, one of each algorithm: room for every instance warming up at once. */
    private static final List<LimitSpec> WARM_UP_LIMITS = List.of(
            Limit.of(Integer.MAX_VALUE, Duration.ofSeconds(1)).named("warm-up"),
            LimitSpec.Concurrency.of(Integer.MAX_VALUE).named("warm-up"),
            LimitSpec.TokenBucket.of(Integer.MAX_VALUE, 1, Duration.ofSeconds(1)).named("warm-up"),
            LimitSpec.Gcra.of(1, Duration.ofMillis(1), Integer.MAX_VALUE).named("warm-up"),
            LimitSpec.SlidingWindow.of(Integer.MAX_VALUE, Duration.ofSeconds(1)).named("warm-up"));
    /** The one script of every algorithm and operation (acquire, release, peek): see limits.lua. */
    private static final String SCRIPT = RedisScript.load("limits.lua");

    private final Supplier<RedisScriptingAsyncCommands<String, String>> redis;
    private final String prefix;
    private final long leaseMicros;
    /** {@link #leaseMicros} as the acquire script's argument. */
    private final String leaseArgument;
    private final Duration commandTimeout;
    private final StoreFailurePolicy onFailure;
    private final @Nullable LocalFallback localFallback;
    private final @Nullable Clock clock;
    private final RedisHealth health;
    /** Calls that take or read (acquire, peek): one given up on is cancelled. */
    private final RedisScript acquire;
    private final RedisScript release;
    /** Tokens name in-flight uses: unique per instance by a counter, across instances by a random id. */
    private final String tokenPrefix = UUID.randomUUID() + ":";
    private final AtomicLong tokens = new AtomicLong();
    /** Ends sent and not yet answered (or given up on), for {@link #awaitEnds()}. */
    private final Set<CompletableFuture<Boolean>> endsInFlight = ConcurrentHashMap.newKeySet();
    /**
     * Room for more ends in the connection: at most {@link Builder#maxEndsInFlight} at once, each held until its
     * command is answered or dropped (given up on or not).
     */
    private final Semaphore endRoom;
    private final int maxEndsInFlight;

    private RedisLimits(Builder builder) {
        this.redis = builder.commands;
        this.prefix = builder.prefix;
        this.leaseMicros = TimeUnit.NANOSECONDS.toMicros(builder.lease.toNanos());
        this.leaseArgument = Long.toString(leaseMicros);
        this.commandTimeout = builder.commandTimeout;
        this.onFailure = builder.onFailure;
        this.localFallback = builder.localFallback;
        this.clock = builder.clock;
        this.health = new RedisHealth(onFailure, builder.probeInterval, clock);
        this.acquire = new RedisScript(SCRIPT, false, redis, commandTimeout);
        this.release = new RedisScript(SCRIPT, true, redis, commandTimeout);
        this.maxEndsInFlight = builder.maxEndsInFlight;
        this.endRoom = new Semaphore(maxEndsInFlight);
        if (redis instanceof RedisConnector connector) {
            try {
                connector.connect(); // now if Redis is there; else start unavailable, probing
            } catch (RedisException unreachable) {
                health.failed(unreachable);
            }
        }
    }

    /**
     * Starts a builder over a connection the caller owns (and closes).
     *
     * @param connection a Lettuce connection with string keys and values
     * @return a builder with prefix {@code "ratelimit:"}, a lease of {@link #DEFAULT_LEASE}, a command timeout of
     *         {@link #DEFAULT_COMMAND_TIMEOUT}, {@link StoreFailurePolicy#FAIL_OPEN} and a probe interval of
     *         {@link #DEFAULT_PROBE_INTERVAL}
     */
    public static Builder builder(StatefulRedisConnection<String, String> connection) {
        RedisScriptingAsyncCommands<String, String> commands = Objects.requireNonNull(connection, "connection").async();
        return new Builder(() -> commands);
    }

    /**
     * Starts a builder over a Redis Cluster connection the caller owns (and closes). Each call goes to the node that
     * serves the client's hash slot; a node that does not know a script yet is sent its text once.
     *
     * @param connection a Lettuce cluster connection with string keys and values
     * @return a builder with the defaults of {@link #builder(StatefulRedisConnection)}
     */
    public static Builder builder(StatefulRedisClusterConnection<String, String> connection) {
        RedisScriptingAsyncCommands<String, String> commands = Objects.requireNonNull(connection, "connection").async();
        return new Builder(() -> commands);
    }

    /**
     * Starts a builder that opens its own connection instead of being handed one, so that an application can start
     * while Redis is down: {@link Builder#build()} tries {@code connect} once, and if that fails the limits start
     * unavailable (logged once, as any failure). Until {@code connect} succeeds, calls fail as when Redis does not
     * answer: the {@link StoreFailurePolicy} answers them, and only one call per probe interval tries to connect
     * (other calls do not wait for it). The caller closes what {@code connect} returned.
     *
     * @param connect opens a {@link StatefulRedisConnection} or a {@link StatefulRedisClusterConnection} with string
     *     keys and values, or throws; called again after it threw
     * @return a builder with the defaults of {@link #builder(StatefulRedisConnection)}
     */
    public static Builder lazyBuilder(Supplier<? extends StatefulConnection<String, String>> connect) {
        Objects.requireNonNull(connect, "connect");
        return new Builder(new RedisConnector(connect));
    }

    /**
     * Returns the lease: how long an in-flight slot outlives an instance that stopped talking.
     *
     * @return the lease
     */
    public Duration lease() {
        return Duration.of(leaseMicros, ChronoUnit.MICROS);
    }

    /**
     * Returns whether the last call that tried Redis reached it.
     *
     * @return whether Redis is thought available
     */
    public boolean isAvailable() {
        return health.isAvailable();
    }

    /**
     * Returns how many calls failed since this was built.
     *
     * @return how many calls failed, since this was built: calls that Redis did not answer in time or answered with
     *         an error (including ends of uses, whose slots then free with their leases), and acquires not sent
     *         because Redis was known to be unavailable; a caller's interrupt is not a failure of Redis
     */
    public long failures() {
        return health.failures();
    }

    /**
     * Returns how many times Redis answered again after being unavailable.
     *
     * @return the recoveries since this was built
     */
    public long recoveries() {
        return health.recoveries();
    }

    /**
     * Waits until Redis has answered every end of a use sent before this call ({@link Permit#close()},
     * {@link Permit#cancel()}: sent without waiting, see the class javadoc), or until each was given up on at the
     * command timeout; so this waits at most about the command timeout. Call it before reading the limits' keys
     * through another connection, where an end still on its way would not be seen yet, and before closing the
     * connection, so that no end is lost with it (the starter does when the application stops). Ends sent during
     * the call are not waited for. Interrupted, it returns at once, keeping the interrupt.
     *
     * @return whether Redis answered, without an error, every end still waiting for its answer when this was called;
     *         afterwards every end sent before the call that failed (then or earlier) is counted in
     *         {@link #failures()}, and its slot frees with its lease
     */
    public boolean awaitEnds() {
        boolean answered = true;
        for (CompletableFuture<Boolean> end : List.copyOf(endsInFlight)) {
            try {
                answered &= end.get(); // completes by the command timeout at the latest
            } catch (ExecutionException | CancellationException failed) {
                answered = false;
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return answered;
    }

    /** How many ends of uses are in the connection now, answered by Redis or not (given up on at the timeout). */
    int endsInFlight() {
        return maxEndsInFlight - endRoom.availablePermits();
    }

    /** How many calls tried Redis while it was known to be unavailable (one per probe interval at most). */
    long probes() {
        return health.probes();
    }

    /**
     * Returns what this answers while Redis is unavailable.
     *
     * @return the failure policy
     */
    public StoreFailurePolicy onFailure() {
        return onFailure;
    }

    /**
     * Whether a refusal is the one {@link StoreFailurePolicy#FAIL_CLOSED} makes while Redis is unavailable, rather
     * than a limit's: a caller may answer it differently (an HTTP server with 503 instead of 429).
     *
     * @param result a result of this class's {@link #tryAcquire} or {@link #attempt}
     * @return whether it is the failure policy's refusal
     */
    public static boolean isUnavailableRefusal(AcquireResult result) {
        return result == UNAVAILABLE;
    }

    /**
     * Readies these limits for traffic, so that the first uses are counted like any other: loads the script into
     * Redis ({@code SCRIPT LOAD}, on every node of a cluster) and runs it once for each operation, an acquire and its
     * cancel and a read, over a limit of each algorithm, on keys of their own that hold no client's uses and are
     * gone afterwards. A JVM's first commands are slow (classes to load, code to compile), often slower than the
     * command timeout, which would leave the first uses to the failure policy; here the whole warm-up may take up to
     * {@code timeout} instead. Call it before the application takes traffic (the starter does, while the application
     * starts).
     *
     * <p>When Redis is known to be unavailable (a {@linkplain #lazyBuilder lazy connection} could not connect) this
     * tries nothing. When Redis does not answer in time, or answers with an error, the limits are unavailable as
     * after any failure (logged once), and the failure policy answers until a probe reaches Redis.
     *
     * @param timeout how long the warm-up may take in all, at least a millisecond
     * @return whether Redis answered every command of the warm-up
     */
    public boolean warmUp(Duration timeout) {
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("warm-up timeout " + timeout + " must be at least one millisecond");
        }
        if (!health.isAvailable()) {
            return false; // the probes try Redis, one per interval
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        RedisKeys.Target target = RedisKeys.target(prefix, "warm-up", WARM_UP_TAG, WARM_UP_LIMITS);
        String token = tokenPrefix + "warm-up";
        try {
            RedisScript.await(acquire.load(), false, until(deadline));
            List<Long> taken = acquire.run(target.keys(), args("a", token, leaseArgument, 1, 0, target.terms()),
                    until(deadline));
            if (taken.get(0) == 1L) {
                release.run(target.keys(), args("r", token, "0", 1, 0, target.terms()), until(deadline));
            }
            acquire.run(target.keys(), args("p", "", "0", 1, 0, target.terms()), until(deadline));
        } catch (RedisCommandInterruptedException interrupted) {
            forget(target.keys(), token, 1, target.terms());
            return false; // the caller gave up, not Redis
        } catch (RedisException e) {
            if (e instanceof RedisCommandTimeoutException) {
                forget(target.keys(), token, 1, target.terms()); // an acquire sent may still run
            }
            health.failed(e);
            return false;
        }
        return true;
    }

    /** What is left until {@code deadline} ({@link System#nanoTime()}), as a timeout. */
    private static Duration until(long deadline) {
        return Duration.ofNanos(Math.max(0L, deadline - System.nanoTime()));
    }

    /**
     * Takes one use of every limit, or none, without waiting: {@link #tryAcquire(String, List, int)} with cost 1.
     *
     * @param client the client the limits belong to, such as an address; any string
     * @param limits the limits, of any algorithm, each {@linkplain LimitSpec#named named}: the name keys its state
     *     under the client
     * @return a {@link Permit} to close when the use succeeded or cancel when it should not count, or a
     *         {@link Refusal} with the time until the first refusing limit may admit
     *         (while Redis is unavailable: what the {@link StoreFailurePolicy} says)
     * @throws IllegalArgumentException if {@code limits} is empty or a limit has no name
     */
    public AcquireResult tryAcquire(String client, List<? extends LimitSpec> limits) {
        return attempt(RedisKeys.target(prefix, client, limits), 1).result();
    }

    /**
     * Takes {@code cost} units of every limit at once, or nothing, without waiting, in one script call: in-flight
     * slots of a times-per limit, units of a concurrency limit, tokens of a bucket, {@code cost} emission intervals
     * of a GCRA, uses of a sliding window. The permit may settle a different final cost when the use ends, by its
     * {@code close(int actualCost)}; {@link Permit#close()} settles {@code cost}, {@link Permit#cancel()} nothing
     * (the class javadoc says what a settlement does to each algorithm). A cost above
     * what some limit can ever admit (its limit, permits, capacity or burst) is refused with a retry-after of
     * {@link Refusal#NEVER}.
     *
     * @param client as in {@link #tryAcquire(String, List)}
     * @param limits as in {@link #tryAcquire(String, List)}
     * @param cost the units to take, at least 1
     * @return as {@link #tryAcquire(String, List)}
     * @throws IllegalArgumentException if {@code cost} is below 1, {@code limits} is empty or a limit has no name
     */
    public AcquireResult tryAcquire(String client, List<? extends LimitSpec> limits, int cost) {
        return attempt(RedisKeys.target(prefix, client, limits), requireCost(cost)).result();
    }

    /**
     * {@link #tryAcquire}, and what the same script call saw of each limit: the remaining uses (after this use, if
     * granted) and the time until it resets, which is what the IETF {@code RateLimit} header reports, and tells
     * which limits refused (those with nothing remaining).
     *
     * @param client as in {@link #tryAcquire(String, List)}
     * @param limits as in {@link #tryAcquire(String, List)}
     * @return the result, with one state per limit in the order of {@code limits}; no states when the failure policy
     *         answered because Redis was unavailable
     */
    public Outcome attempt(String client, List<? extends LimitSpec> limits) {
        return attempt(RedisKeys.target(prefix, client, limits), 1);
    }

    /**
     * {@link #tryAcquire(String, List, int)}, with what the script call saw of each limit, as {@link #attempt}.
     *
     * @param client as in {@link #tryAcquire(String, List)}
     * @param limits as in {@link #tryAcquire(String, List)}
     * @param cost the units to take, at least 1
     * @return as {@link #attempt(String, List)}
     * @throws IllegalArgumentException if {@code cost} is below 1, {@code limits} is empty or a limit has no name
     */
    public Outcome attempt(String client, List<? extends LimitSpec> limits, int cost) {
        return attempt(RedisKeys.target(prefix, client, limits), requireCost(cost));
    }

    private static int requireCost(int cost) {
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be > 0 but was " + cost);
        }
        return cost;
    }

    /**
     * The outcome of {@link #attempt}.
     *
     * @param result the {@link Permit} or {@link Refusal}
     * @param states what the script saw of each limit, in the order asked; empty when Redis was not reached
     */
    public record Outcome(AcquireResult result, List<RemoteLimit.State> states) {
        /** @param states copied */
        public Outcome {
            states = List.copyOf(states);
        }
    }

    /**
     * A {@link RateLimiter} over these limits of one client, which stacks with in-memory limiters in
     * {@link RateLimiters#all} and {@link RateLimiters#any}. {@link RateLimiter#tryAcquire()} is one
     * {@link #tryAcquire(String, List)}; waiting acquires queue in this JVM by priority and try again when the last
     * refusal's retry-after has passed or a use taken through this limiter ended (see
     * {@link RateLimiters#remote}); {@link RateLimiter#remaining()}, {@link RateLimiter#status()} and
     * {@link RateLimiter#resetInNanos()} read Redis without taking anything. Waiters on other instances form no
     * common queue with these: whoever tries first when room frees takes it. Pause and close act on this limiter
     * only. Its timers run on {@linkplain Builder#clock the clock} given to the builder, else the system's.
     *
     * <pre>{@code
     * RateLimiter shared = limits.limiter("api-key-42", List.of(Limit.of(100, Duration.ofMinutes(1)).named("calls")));
     * RateLimiter local = RateLimiters.timesPer(5, Duration.ofSeconds(1));
     * try (Permit permit = RateLimiters.all(local, shared).acquire(Duration.ofSeconds(30))) {
     *     call();
     * }
     * }</pre>
     *
     * @param client as in {@link #tryAcquire(String, List)}
     * @param limits as in {@link #tryAcquire(String, List)}
     * @return the limiter; closing it does not touch Redis
     * @throws IllegalArgumentException if {@code limits} is empty or a limit has no name
     */
    public RateLimiter limiter(String client, List<? extends LimitSpec> limits) {
        RedisKeys.Target target = RedisKeys.target(prefix, client, limits);
        return RateLimiters.remote(new RemoteLimit() {
            @Override
            public AcquireResult tryAcquire(int cost) {
                return attempt(target, requireCost(cost)).result();
            }

            @Override
            public State state() {
                return peek(target);
            }

            @Override
            public String toString() {
                return "redis " + prefix + '{' + RedisKeys.hashTag(client) + "}: " + limits;
            }
        }, clock != null ? clock : Clock.system());
    }

    /** Reads the counts of a target; while Redis is unavailable, what the failure policy would admit. */
    private RemoteLimit.State peek(RedisKeys.Target target) {
        if (!health.isAvailable() && !health.mayProbe()) {
            return unavailableState(target);
        }
        List<Long> reply;
        try {
            reply = acquire.run(target.keys(), args("p", "", "0", 1, 0, target.terms()));
        } catch (RedisCommandInterruptedException interrupted) {
            return unavailableState(target); // the caller gave up, not Redis
        } catch (RedisException e) {
            health.failed(e);
            return unavailableState(target);
        }
        health.reached();
        return new RemoteLimit.State(reply.get(0).intValue(), TimeUnit.MICROSECONDS.toNanos(reply.get(1)));
    }

    /** Fail-closed admits nothing; fail-open and local are told the limits' own room (local counts are per use). */
    private RemoteLimit.State unavailableState(RedisKeys.Target target) {
        if (onFailure == StoreFailurePolicy.FAIL_CLOSED) {
            return new RemoteLimit.State(0, 0);
        }
        int least = Integer.MAX_VALUE;
        for (LimitSpec limit : target.limits()) {
            least = Math.min(least, limit.maxCost());
        }
        return new RemoteLimit.State(least, 0);
    }

    private Outcome attempt(RedisKeys.Target target, int cost) {
        String[] keys = target.keys();
        String[] terms = target.terms();
        if (!health.isAvailable()) {
            if (!health.mayProbe()) {
                health.skipped();
                return new Outcome(unavailable(target.client(), target.limits(), cost), List.of());
            }
            health.probing();
        }
        String token = tokenPrefix + tokens.incrementAndGet();
        List<Long> reply;
        try {
            reply = acquire.run(keys, args("a", token, leaseArgument, cost, 0, terms));
        } catch (RedisCommandInterruptedException interrupted) {
            // The caller's thread gave up, not Redis: nothing is marked unavailable, and nothing is admitted (an
            // interrupted thread is to stop, not to go on uncounted). The script may run anyway.
            forget(keys, token, cost, terms);
            return new Outcome(new Refusal(INTERRUPTED_RETRY_NANOS, 0), List.of());
        } catch (RedisException e) {
            if (e instanceof RedisCommandTimeoutException) {
                forget(keys, token, cost, terms); // sent, and may still run when Redis gets to it
            }
            health.failed(e);
            return new Outcome(unavailable(target.client(), target.limits(), cost), List.of());
        }
        health.reached();
        RemoteLimit.State[] states = new RemoteLimit.State[target.limits().size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = new RemoteLimit.State(Math.max(0, reply.get(3 + 2 * i).intValue()),
                    TimeUnit.MICROSECONDS.toNanos(Math.max(0L, reply.get(4 + 2 * i))));
        }
        AcquireResult result;
        if (reply.get(0) == 1L) {
            result = new RedisPermit(keys, token, cost, terms);
        } else {
            long retry = reply.get(1);
            result = new Refusal(retry < 0 ? Refusal.NEVER : TimeUnit.MICROSECONDS.toNanos(retry),
                    reply.get(2).intValue());
        }
        return new Outcome(result, List.of(states));
    }

    /** The failure policy's answer. */
    private AcquireResult unavailable(String client, List<? extends LimitSpec> limits, int cost) {
        return switch (onFailure) {
            case FAIL_OPEN -> UNCOUNTED;
            case FAIL_CLOSED -> UNAVAILABLE;
            case LOCAL -> Objects.requireNonNull(localFallback, "localFallback").tryAcquire(client, limits, cost);
        };
    }

    /**
     * Ends a use in Redis, without waiting for the answer. Always sent, even while Redis is thought to be away
     * (commands to a disconnected server fail at once): an end that reaches Redis is counted or refunded, and tells
     * that Redis is back; one that fails is a failure, and the slot's lease frees it.
     */
    private void release(String[] keys, String token, int cost, int actual, String[] terms) {
        if (!awaitEndRoom()) {
            health.failed(new RedisCommandTimeoutException("Redis did not answer the ends of uses in flight within "
                    + TimeUnit.NANOSECONDS.toMillis(commandTimeout.toNanos()) + "ms; ends not sent free their slots "
                    + "with their leases"));
            return;
        }
        CompletableFuture<List<Long>> end;
        try {
            end = release.runAsync(keys, args("r", token, "0", cost, actual, terms), false, endRoom::release);
        } catch (RedisException e) {
            endRoom.release();
            health.failed(e); // not sent: the slot's lease frees it
            return;
        }
        track(end, true);
    }

    /**
     * Waits for room for one more end in flight, at most the command timeout; an interrupt does not cut the wait
     * short (a task cancelled in its finally block still ends its use), and is kept.
     */
    private boolean awaitEndRoom() {
        if (endRoom.tryAcquire()) {
            return true;
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + commandTimeout.toNanos();
        try {
            while (true) {
                try {
                    return endRoom.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Keeps an end for {@link #awaitEnds()} until it is answered or given up on and, if asked, {@link RedisHealth}
     * has been told how it went. (Its room among the ends in flight frees when its command leaves the connection,
     * which for one given up on is later.)
     */
    @SuppressWarnings("CollectionUndefinedEquality") // identity is meant: each end is its own future
    private void track(CompletableFuture<List<Long>> end, boolean reportHealth) {
        CompletableFuture<Boolean> answered = end.handle((reply, failure) -> {
            if (reportHealth) {
                if (failure == null) {
                    health.reached();
                } else {
                    health.failed(RedisScript.redisFailure(failure));
                }
            }
            return failure == null;
        });
        endsInFlight.add(answered);
        var unused = answered.whenComplete((ok, failure) -> endsInFlight.remove(answered));
    }

    /**
     * Cancels, without waiting, a use whose acquire was given up on: the script was sent and may run when Redis gets
     * to it, after which this removes its slot (on one connection, commands run in the order sent; it is sent by its
     * text, so that a {@code NOSCRIPT} answer cannot put it behind later commands). Best effort, and not a failure
     * of its own (the acquire was one): if this is lost too, or finds no room among the ends in flight, the lease
     * frees the slot.
     */
    private void forget(String[] keys, String token, int cost, String[] terms) {
        if (!endRoom.tryAcquire()) {
            return;
        }
        try {
            track(release.runAsync(keys, args("r", token, "0", cost, 0, terms), true, endRoom::release), false);
        } catch (RuntimeException lost) {
            endRoom.release(); // the lease frees the slot
        }
    }

    /** The script's arguments: the operation, now, token, lease, cost and actual cost, then each limit's terms. */
    private String[] args(String op, String token, String lease, int cost, int actual, String[] terms) {
        String[] args = new String[6 + terms.length];
        args[0] = op;
        args[1] = now();
        args[2] = token;
        args[3] = lease;
        args[4] = Integer.toString(cost);
        args[5] = Integer.toString(actual);
        System.arraycopy(terms, 0, args, 6, terms.length);
        return args;
    }

    /** The time the scripts measure windows by: the test clock's, in microseconds, or {@code T} for the server's. */
    private String now() {
        Clock c = clock;
        return c == null ? "T" : Long.toString(TimeUnit.NANOSECONDS.toMicros(c.nanoTime()));
    }

    /**
     * One use held in Redis, of {@code cost} units; the first of close and cancel wins. Package-private until
     * {@link Permit} declares {@link #close(int)}.
     */
    final class RedisPermit implements Permit {
        private final String[] keys;
        private final String token;
        private final int cost;
        private final String[] terms;
        private final AtomicBoolean ended = new AtomicBoolean();

        RedisPermit(String[] keys, String token, int cost, String[] terms) {
            this.keys = keys;
            this.token = token;
            this.cost = cost;
            this.terms = terms;
        }

        /** Ends the use at the cost it was taken at: {@code close(cost)}. */
        @Override
        public void close() {
            close(cost);
        }

        /**
         * Ends the use, settling {@code actualCost} in place of the cost it was taken at (the class javadoc says what
         * that does to each algorithm); zero is a {@link #cancel()}. Sent without waiting for Redis's answer
         * ({@link RedisLimits#awaitEnds()} waits for it).
         *
         * @param actualCost the use's final cost, at least 0
         * @throws IllegalArgumentException if {@code actualCost} is negative
         */
        @Override
        public void close(int actualCost) {
            if (actualCost < 0) {
                throw new IllegalArgumentException("actualCost must be >= 0 but was " + actualCost);
            }
            if (ended.compareAndSet(false, true)) {
                release(keys, token, cost, actualCost, terms);
            }
        }

        /** Ends the use without counting it: {@code close(0)}. */
        @Override
        public void cancel() {
            close(0);
        }
    }

    /** Options for {@link RedisLimits}. */
    public static final class Builder {
        /** The connection's commands: at hand, or a {@link RedisConnector} that makes the connection when asked. */
        private final Supplier<RedisScriptingAsyncCommands<String, String>> commands;
        private String prefix = "ratelimit:";
        private Duration lease = DEFAULT_LEASE;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private StoreFailurePolicy onFailure = StoreFailurePolicy.FAIL_OPEN;
        private @Nullable LocalFallback localFallback;
        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
        private @Nullable Clock clock;
        private int maxEndsInFlight = MAX_ENDS_IN_FLIGHT;

        private Builder(Supplier<RedisScriptingAsyncCommands<String, String>> commands) {
            this.commands = commands;
        }

        /**
         * Sets the key prefix.
         *
         * @param prefix put before every key; no braces, which would move the cluster hash tag
         * @return this builder
         */
        public Builder prefix(String prefix) {
            if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException("key prefix '" + prefix + "' must not hold '{' or '}'");
            }
            this.prefix = prefix;
            return this;
        }

        /**
         * Sets the lease of an in-flight slot.
         *
         * @param lease how long an in-flight slot lasts without being ended; longer than the slowest use
         * @return this builder
         */
        public Builder lease(Duration lease) {
            if (lease.toMillis() < 1) {
                throw new IllegalArgumentException("lease " + lease + " must be at least one millisecond");
            }
            this.lease = lease;
            return this;
        }

        /**
         * Sets the command timeout.
         *
         * @param timeout how long a call waits for Redis before the failure policy answers; the connection's own
         *        timeout still applies, and Lettuce's default (a minute) is far too long for a request
         * @return this builder
         */
        public Builder commandTimeout(Duration timeout) {
            if (timeout.toMillis() < 1) {
                throw new IllegalArgumentException("command timeout " + timeout + " must be at least one millisecond");
            }
            this.commandTimeout = timeout;
            return this;
        }

        /**
         * Sets the failure policy.
         *
         * @param policy what to answer while Redis is unavailable; {@link StoreFailurePolicy#LOCAL} needs a
         *        {@linkplain #localFallback local fallback}
         * @return this builder
         */
        public Builder onFailure(StoreFailurePolicy policy) {
            this.onFailure = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the local fallback.
         *
         * @param fallback what answers while Redis is unavailable under {@link StoreFailurePolicy#LOCAL}
         * @return this builder
         */
        public Builder localFallback(LocalFallback fallback) {
            this.localFallback = Objects.requireNonNull(fallback, "fallback");
            return this;
        }

        /**
         * Sets the probe interval.
         *
         * @param interval while Redis is unavailable, how often one call tries it again (the others are answered by
         *        the failure policy at once, without waiting for a dead Redis); default
         *        {@link RedisLimits#DEFAULT_PROBE_INTERVAL}
         * @return this builder
         */
        public Builder probeInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("probe interval " + interval + " must not be negative");
            }
            this.probeInterval = interval;
            return this;
        }

        /** How many ends of uses may wait for Redis's answer at once (tests make it small). */
        Builder maxEndsInFlight(int ends) {
            if (ends < 1) {
                throw new IllegalArgumentException("max ends in flight must be > 0 but was " + ends);
            }
            this.maxEndsInFlight = ends;
            return this;
        }

        /**
         * Measures windows on this clock instead of the Redis server's. For tests on a fake clock shared by every
         * instance (readings of {@code System.nanoTime()} in different JVMs cannot be compared); in production the
         * server's clock is what keeps instances in agreement.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the limits.
         *
         * @return the limits
         * @throws IllegalStateException if the policy is {@link StoreFailurePolicy#LOCAL} and no local fallback is set
         */
        public RedisLimits build() {
            if (onFailure == StoreFailurePolicy.LOCAL && localFallback == null) {
                throw new IllegalStateException("failure policy LOCAL needs a localFallback(...) to answer while "
                        + "Redis is unavailable");
            }
            return new RedisLimits(this);
        }
    }
}
