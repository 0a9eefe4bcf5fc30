/**
 * Client-side pacing, as the second half of slowstack's tutorial: each outgoing request waits for a slot of a global
 * limiter and of its path's limiter, a server error refunds the use, and a server's 429 {@code Retry-After} holds the
 * client back. {@link io.ratestack.client.RequestPacer} is the engine; {@link io.ratestack.client.PacedHttpClient}
 * applies it around the JDK's {@link java.net.http.HttpClient}. No Spring here.
 */
@NullMarked
package io.ratestack.client;

import org.jspecify.annotations.NullMarked;
