package io.ratestack.redis;

import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where {@link RedisLimits} keeps each limit and what it tells the script of it. A client's keys share one hash tag,
 * so they share a Redis Cluster slot:
 *
 * <pre>{@code prefix{client}:name:s   times-per: used, end, held    prefix{client}:name:l   its leases
 * prefix{client}:name:c   concurrency: held                prefix{client}:name:cl  its leases
 * prefix{client}:name:b   token bucket: tokens, rem, last
 * prefix{client}:name:g   GCRA: the theoretical arrival time
 * prefix{client}:name:w   sliding window: prev, cur, start}</pre>
 */
final class RedisKeys {

    /** The most microseconds a term is sent as: {@code 2^62} nanoseconds, below Lua's exact {@code 2^53}. */
    static final long MAX_MICROS = (1L << 62) / 1000;

    private RedisKeys() {
    }

    /**
     * One client's limits, with their keys and terms in the script's order (two keys and seven terms a limit); the
     * arrays go to Lettuce as they are, shared, not to be changed.
     */
    @SuppressWarnings("ArrayRecordComponent") // never compared: the arrays are the command's arguments
    record Target(String client, List<? extends LimitSpec> limits, String[] keys, String[] terms) {
    }

    /**
     * The keys and terms of one client's limits under {@code prefix}.
     *
     * @throws IllegalArgumentException if {@code limits} is empty or a limit has no name
     */
    static Target target(String prefix, String client, List<? extends LimitSpec> limits) {
        Objects.requireNonNull(client, "client");
        return target(prefix, client, hashTag(client), limits);
    }

    static Target target(String prefix, String client, String tag, List<? extends LimitSpec> limits) {
        Objects.requireNonNull(limits, "limits");
        if (limits.isEmpty()) {
            throw new IllegalArgumentException("no limits to acquire for client " + client);
        }
        String[] keys = new String[limits.size() * 2];
        String[] terms = new String[limits.size() * 7];
        for (int i = 0; i < limits.size(); i++) {
            LimitSpec spec = limits.get(i);
            String name = spec.name();
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("limit " + spec + " needs a name: it keys the limit's state");
            }
            String base = prefix + '{' + tag + "}:" + name;
            long[] values = new long[5];
            String kind;
            if (spec instanceof Limit limit) {
                kind = "t";
                keys[2 * i] = base + ":s";
                keys[2 * i + 1] = base + ":l";
                values[0] = limit.limit();
                values[1] = micros(limit.window());
            } else if (spec instanceof LimitSpec.Concurrency concurrency) {
                kind = "c";
                keys[2 * i] = base + ":c";
                keys[2 * i + 1] = base + ":cl";
                values[0] = concurrency.permits();
                values[1] = Math.max(1L, micros(concurrency.retryAfter()));
            } else if (spec instanceof LimitSpec.TokenBucket bucket) {
                kind = "b";
                keys[2 * i] = base + ":b";
                keys[2 * i + 1] = keys[2 * i];
                values[0] = bucket.capacity();
                values[1] = bucket.refillTokens();
                values[2] = Math.max(1L, micros(bucket.refillPeriod()));
                values[3] = bucket.greedy() ? 1 : 0;
                values[4] = bucket.initialTokens();
            } else if (spec instanceof LimitSpec.Gcra gcra) {
                kind = "g";
                keys[2 * i] = base + ":g";
                keys[2 * i + 1] = keys[2 * i];
                values[0] = gcra.burst();
                long intervalNanos = gcra.emissionInterval().toNanos();
                values[1] = intervalNanos / 1000 + (intervalNanos % 1000 == 0 ? 0 : 1); // rounded up, as in memory
            } else {
                LimitSpec.SlidingWindow window = (LimitSpec.SlidingWindow) spec;
                kind = "w";
                keys[2 * i] = base + ":w";
                keys[2 * i + 1] = keys[2 * i];
                values[0] = window.limit();
                values[1] = Math.max(1L, micros(window.window()));
            }
            terms[7 * i] = kind;
            terms[7 * i + 1] = Integer.toString(spec.maxCost());
            for (int v = 0; v < values.length; v++) {
                terms[7 * i + 2 + v] = Long.toString(values[v]);
            }
        }
        return new Target(client, limits, keys, terms);
    }

    /** A duration in whole microseconds, saturated at {@link #MAX_MICROS}. */
    static long micros(Duration duration) {
        if (duration.toSeconds() >= MAX_MICROS / 1_000_000) {
            return MAX_MICROS;
        }
        return Math.min(MAX_MICROS, duration.toNanos() / 1000);
    }

    /**
     * The client as a Redis Cluster hash tag: never empty and free of braces, so all of one client's keys hash to
     * one slot; {@code %}, <code>{</code> and <code>}</code> are escaped so that two clients never share a tag.
     */
    static String hashTag(String client) {
        if (client.isEmpty()) {
            return "%"; // an escaped tag never holds a lone '%'
        }
        if (client.indexOf('%') < 0 && client.indexOf('{') < 0 && client.indexOf('}') < 0) {
            return client;
        }
        return client.replace("%", "%25").replace("{", "%7B").replace("}", "%7D");
    }

}
