/**
 * Times-per limits kept in Redis, shared by every instance that talks to the same server.
 *
 * <p>{@link io.ratestack.redis.RedisLimits} takes all the limits of one use in one script call and hands back the
 * core's {@link io.ratestack.Permit} or {@link io.ratestack.Refusal}.
 */
@NullMarked
package io.ratestack.redis;

import org.jspecify.annotations.NullMarked;
