package io.ratestack.spring.web;

import io.ratestack.Refusal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes the rate-limit parts of responses: the IETF {@code RateLimit-Policy} and {@code RateLimit} headers
 * (draft-ietf-httpapi-ratelimit-headers, structured-field lists of {@code "name";q=..;w=..} and
 * {@code "name";r=..;t=..}) and, for a refusal, status 429 with {@code Retry-After} and an RFC 9457 body.
 */
final class RateLimitResponses {

    static final String POLICY_HEADER = "RateLimit-Policy";
    static final String LIMIT_HEADER = "RateLimit";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final ProblemDetails problem;
    private final boolean headers;

    RateLimitResponses(ProblemDetails problem, boolean headers) {
        this.problem = problem;
        this.headers = headers;
    }

    /** Adds the headers of an admitted request. */
    void admitted(HttpServletResponse response, RateLimitStore.Attempt attempt) {
        if (headers) {
            writeHeaders(response, attempt);
        }
    }

    /** Answers a refused request. */
    void refused(HttpServletRequest request, HttpServletResponse response, RateLimitStore.Attempt attempt,
            Refusal refusal) throws IOException {
        response.setStatus(429);
        response.setHeader("Retry-After", Long.toString(wholeSecondsAtLeastOne(refusal.retryAfterNanos())));
        if (headers) {
            writeHeaders(response, attempt);
        }
        StringBuilder body = new StringBuilder(256)
                .append("{\"type\":").append(json(problem.type().toString()))
                .append(",\"title\":").append(json(problem.title()))
                .append(",\"status\":429")
                .append(",\"detail\":").append(json(problem.detail()))
                .append(",\"instance\":").append(json(instance(request)));
        if (attempt.tracked()) { // unknown when a shared store was not reached
            body.append(",\"violated-policies\":[");
            boolean first = true;
            for (LimitReading limit : attempt.limits()) {
                if (limit.exhausted()) {
                    body.append(first ? "" : ",").append(json(limit.name()));
                    first = false;
                }
            }
            body.append(']');
        }
        writeProblem(request, response, body.append('}'));
    }

    /**
     * Answers a request that a fail-closed store refused because it cannot be reached: 503, retry in a second.
     */
    void unavailable(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setStatus(503);
        response.setHeader("Retry-After", "1");
        writeProblem(request, response, new StringBuilder(192)
                .append("{\"title\":\"Service Unavailable\",\"status\":503")
                .append(",\"detail\":\"rate limiter unavailable\"")
                .append(",\"instance\":").append(json(instance(request))).append('}'));
    }

    /**
     * Writes a refusal. Over HTTP/1, one of a request that has a body closes the connection
     * ({@code Connection: close}): the body is never read, and a server that kept the connection would spend a thread
     * reading it to the end, as slowly as the client sends it. HTTP/2 forbids the header (a stream ends on its own).
     */
    private static void writeProblem(HttpServletRequest request, HttpServletResponse response, StringBuilder body)
            throws IOException {
        if (hasBody(request) && request.getProtocol().startsWith("HTTP/1")) {
            response.setHeader("Connection", "close");
        }
        response.setHeader("Cache-Control", "no-store");
        // application/problem+json is UTF-8 by definition and takes no charset parameter.
        response.setContentType("application/problem+json");
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** Whether a request says it has a body: a positive length, or a transfer coding such as chunked. */
    static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    /**
     * Which limits refused: {@code global} (one of them has nothing left), {@code route}, {@code store} (a
     * fail-closed store could not be reached), or {@code unknown} (a shared store does not say).
     */
    static String refusedScope(RateLimitStore.Attempt attempt) {
        if (attempt.storeUnavailable()) {
            return "store";
        }
        if (!attempt.tracked()) {
            return "unknown";
        }
        for (LimitReading limit : attempt.limits()) {
            if (limit.global() && limit.exhausted()) {
                return "global";
            }
        }
        return "route";
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

    /** One item per limit in the policy header; one per limit whose state is known in the other. */
    private static void writeHeaders(HttpServletResponse response, RateLimitStore.Attempt attempt) {
        StringBuilder policies = new StringBuilder(64);
        StringBuilder limits = new StringBuilder(64);
        for (LimitReading limit : attempt.limits()) {
            policies.append(policies.isEmpty() ? "" : ", ")
                    .append('"').append(limit.name()).append("\";q=").append(limit.quota())
                    .append(";w=").append(wholeSecondsAtLeastOne(limit.window().toNanos()));
            if (limit.known()) {
                limits.append(limits.isEmpty() ? "" : ", ")
                        .append('"').append(limit.name()).append("\";r=").append(limit.remaining());
                if (limit.resetInNanos() > 0) {
                    limits.append(";t=").append(wholeSecondsAtLeastOne(limit.resetInNanos()));
                }
            }
        }
        response.setHeader(POLICY_HEADER, policies.toString());
        if (!limits.isEmpty()) { // empty: a shared store that was not reached
            response.setHeader(LIMIT_HEADER, limits.toString());
        }
    }

    /** Rounded up: a client that waits this long is never early. */
    static long wholeSecondsAtLeastOne(long nanos) {
        long seconds = nanos / NANOS_PER_SECOND + (nanos % NANOS_PER_SECOND == 0 ? 0 : 1);
        return Math.max(1L, seconds);
    }

    static String json(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
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
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
