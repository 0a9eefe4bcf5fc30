/**
 * The filter's limits kept in Redis, through {@code ratelimit-redis}, so that every instance of an application
 * shares one budget per client: {@link io.ratestack.spring.redis.RedisRateLimitStore}. Loaded only when
 * {@code ratelimit.store=redis} and {@code ratelimit-redis} is on the classpath.
 */
@NullMarked
package io.ratestack.spring.redis;

import org.jspecify.annotations.NullMarked;
