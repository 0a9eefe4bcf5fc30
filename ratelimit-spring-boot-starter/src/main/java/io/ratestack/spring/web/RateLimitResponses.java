package io.ratestack.spring.web;

import io.ratestack.Refusal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Writes the rate-limit parts of responses: the IETF {@code RateLimit-Policy} and {@code RateLimit} headers
 * (draft-ietf-httpapi-ratelimit-headers, structured-field lists of {@code "name";q=..;w=..} and
 * {@code "name";r=..;t=..}) and, for a refusal, status 429 with {@code Retry-After} and an RFC 9457 body.
 *
 * <p>What is the same for every request is made once: the {@code RateLimit-Policy} value of each route policy (kept on
 * the policy, and made anew whenever an attempt's readings name other terms), each limit's {@code "name";r=} prefix,
 * and the bytes of a problem body up to its {@code instance}.
 */
final class RateLimitResponses {

    static final String POLICY_HEADER = "RateLimit-Policy";
    static final String LIMIT_HEADER = "RateLimit";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final byte[] UNAVAILABLE_HEAD = ("{\"title\":\"Service Unavailable\",\"status\":503"
            + ",\"detail\":\"rate limiter unavailable\",\"instance\":").getBytes(StandardCharsets.UTF_8);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final boolean headers;
    /** Whether each {@code RateLimit} item carries its partition key ({@code pk}), hashed. */
    private final boolean partitionKeys;
    /** A refusal's body up to its instance's value. */
    private final byte[] refusedHead;

    RateLimitResponses(ProblemDetails problem, boolean headers, boolean partitionKeys) {
        this.headers = headers;
        this.partitionKeys = partitionKeys;
        this.refusedHead = ("{\"type\":" + json(problem.type().toString())
                + ",\"title\":" + json(problem.title())
                + ",\"status\":429"
                + ",\"detail\":" + json(problem.detail())
                + ",\"instance\":").getBytes(StandardCharsets.UTF_8);
    }

    /** Adds the headers of an admitted request of {@code client}. */
    void admitted(HttpServletResponse response, Route route, RateLimitStore.Attempt attempt, String client) {
        if (headers) {
            writeHeaders(response, route, attempt, partitionKeys ? client : null);
        }
    }

    /** Answers a refused request of {@code client}. */
    void refused(HttpServletRequest request, HttpServletResponse response, Route route,
            RateLimitStore.Attempt attempt, Refusal refusal, int cost, String client) throws IOException {
        response.setStatus(429);
        response.setHeader("Retry-After", Long.toString(wholeSecondsAtLeastOne(refusal.retryAfterNanos())));
        if (headers) {
            writeHeaders(response, route, attempt, partitionKeys ? client : null);
        }
        StringBuilder tail = new StringBuilder(96);
        appendJson(tail, instance(request));
        if (attempt.tracked()) { // unknown when a shared store was not reached
            tail.append(",\"violated-policies\":[");
            boolean first = true;
            for (LimitReading limit : attempt.limits()) {
                if (limit.refuses(cost)) {
                    if (!first) {
                        tail.append(',');
                    }
                    appendJson(tail, limit.name());
                    first = false;
                }
            }
            tail.append(']');
        }
        writeProblem(request, response, refusedHead, tail.append('}'));
    }

    /**
     * Answers a request that a fail-closed store refused because it cannot be reached: 503, retry in a second.
     */
    void unavailable(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setStatus(503);
        response.setHeader("Retry-After", "1");
        StringBuilder tail = new StringBuilder(64);
        appendJson(tail, instance(request));
        writeProblem(request, response, UNAVAILABLE_HEAD, tail.append('}'));
    }

    /**
     * Writes a refusal: {@code head}, then {@code tail}. Over HTTP/1, one of a request that has a body closes the
     * connection ({@code Connection: close}): the body is never read, and a server that kept the connection would
     * spend a thread reading it to the end, as slowly as the client sends it. HTTP/2 forbids the header (a stream
     * ends on its own).
     */
    private static void writeProblem(HttpServletRequest request, HttpServletResponse response, byte[] head,
            StringBuilder tail) throws IOException {
        if (hasBody(request) && request.getProtocol().startsWith("HTTP/1")) {
            response.setHeader("Connection", "close");
        }
        response.setHeader("Cache-Control", "no-store");
        // application/problem+json is UTF-8 by definition and takes no charset parameter.
        response.setContentType("application/problem+json");
        byte[] rest = tail.toString().getBytes(StandardCharsets.UTF_8);
        response.setContentLength(head.length + rest.length);
        var out = response.getOutputStream();
        out.write(head);
        out.write(rest);
    }

    /** Whether a request says it has a body: a positive length, or a transfer coding such as chunked. */
    static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    /**
     * Which limits refused: {@code global} (one of them has nothing left), {@code route}, {@code store} (a
     * fail-closed store could not be reached), or {@code unknown} (a shared store does not say).
     */
    static String refusedScope(RateLimitStore.Attempt attempt, int cost) {
        if (attempt.storeUnavailable()) {
            return "store";
        }
        if (!attempt.tracked()) {
            return "unknown";
        }
        for (LimitReading limit : attempt.limits()) {
            if (limit.global() && limit.refuses(cost)) {
                return "global";
            }
        }
        return "route";
    }

    /**
     * A partition's key as the {@code pk} parameter writes it: a byte sequence of the first 12 bytes of the SHA-256 of
     * the client key (and the route's key and policy, for a route's limits), so that a client can tell its partitions apart without
     * its key, an API key say, being echoed back.
     */
    static String partitionKey(String partition) {
        return ":" + java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(Keys.sha256(partition), 12))
                + ":";
    }

    /** The request's path, without path parameters: a {@code ;jsessionid=...} is not echoed back. */
    static String instance(HttpServletRequest request) {
        String uri = request.getRequestURI();
        if (uri == null) {
            return "";
        }
        return uri.indexOf(';') < 0 ? uri : PATH_PARAMETERS.matcher(uri).replaceAll("");
    }

    private static final java.util.regex.Pattern PATH_PARAMETERS = java.util.regex.Pattern.compile(";[^/]*");

    /**
     * One item per limit in the policy header; one per limit whose state is known in the other, with its partition
     * key when {@code client} is given.
     */
    private static void writeHeaders(HttpServletResponse response, Route route, RateLimitStore.Attempt attempt,
            @Nullable String client) {
        List<LimitReading> readings = attempt.limits();
        HeaderTexts texts = HeaderTexts.of(route.policy(), readings);
        String globalKey = null;
        String routeKey = null;
        StringBuilder limits = null;
        for (int i = 0; i < readings.size(); i++) {
            LimitReading limit = readings.get(i);
            if (limit.known()) {
                if (limits == null) {
                    limits = new StringBuilder(64);
                } else {
                    limits.append(", ");
                }
                limits.append(texts.remainingPrefixes[i]).append(limit.remaining());
                if (limit.resetInNanos() > 0) {
                    limits.append(";t=").append(wholeSecondsAtLeastOne(limit.resetInNanos()));
                }
                if (client != null) {
                    if (limit.global()) {
                        globalKey = globalKey != null ? globalKey : partitionKey(client);
                        limits.append(";pk=").append(globalKey);
                    } else {
                        RoutePolicy policy = route.policy();
                        routeKey = routeKey != null ? routeKey : partitionKey(client + "\n" + route.key() + "\n"
                                + (policy == null ? "" : policy.key())); // a route's limiters: of its key and policy
                        limits.append(";pk=").append(routeKey);
                    }
                }
            }
        }
        response.setHeader(POLICY_HEADER, texts.policy);
        if (limits != null) { // none: a shared store that was not reached
            response.setHeader(LIMIT_HEADER, limits.toString());
        }
    }

    /**
     * The texts of the headers that depend only on the limits' terms: the {@code RateLimit-Policy} value and each
     * limit's {@code "name";r=}. Kept on the route's policy and used while an attempt's readings name the same terms.
     */
    static final class HeaderTexts {
        private final String[] names;
        private final int[] quotas;
        private final Duration[] windows;
        private final boolean[] concurrent;
        final String policy;
        final String[] remainingPrefixes;

        private HeaderTexts(List<LimitReading> readings) {
            int size = readings.size();
            names = new String[size];
            quotas = new int[size];
            windows = new Duration[size];
            concurrent = new boolean[size];
            remainingPrefixes = new String[size];
            StringBuilder policies = new StringBuilder(64);
            for (int i = 0; i < size; i++) {
                LimitReading limit = readings.get(i);
                names[i] = limit.name();
                quotas[i] = limit.quota();
                windows[i] = limit.window();
                concurrent[i] = limit.concurrent();
                remainingPrefixes[i] = '"' + limit.name() + "\";r=";
                policies.append(i == 0 ? "" : ", ")
                        .append('"').append(limit.name()).append("\";q=").append(limit.quota());
                if (limit.concurrent()) {
                    policies.append(";qu=\"concurrent-requests\"");
                }
                if (!limit.concurrent()) { // a times-per window of zero length says w=1, as before
                    policies.append(";w=").append(wholeSecondsAtLeastOne(limit.window().toNanos()));
                }
            }
            policy = policies.toString();
        }

        /** The texts of these readings' terms: the policy's own if they match, else made (and kept on it). */
        static HeaderTexts of(@Nullable RoutePolicy policy, List<LimitReading> readings) {
            HeaderTexts kept = policy == null ? null : policy.headerTexts;
            if (kept != null && kept.matches(readings)) {
                return kept;
            }
            HeaderTexts made = new HeaderTexts(readings);
            if (policy != null) {
                policy.headerTexts = made;
            }
            return made;
        }

        private boolean matches(List<LimitReading> readings) {
            if (readings.size() != names.length) {
                return false;
            }
            for (int i = 0; i < names.length; i++) {
                LimitReading limit = readings.get(i);
                if (limit.quota() != quotas[i] || limit.concurrent() != concurrent[i]
                        || !names[i].equals(limit.name()) || !windows[i].equals(limit.window())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Rounded up: a client that waits this long is never early. */
    static long wholeSecondsAtLeastOne(long nanos) {
        long seconds = nanos / NANOS_PER_SECOND + (nanos % NANOS_PER_SECOND == 0 ? 0 : 1);
        return Math.max(1L, seconds);
    }

    static String json(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2);
        appendJson(out, text);
        return out.toString();
    }

    /** Appends {@code text} as a JSON string; {@code <}, {@code >}, U+2028 and U+2029 escaped too. */
    static void appendJson(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || c == '<' || c == '>') {
                        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
