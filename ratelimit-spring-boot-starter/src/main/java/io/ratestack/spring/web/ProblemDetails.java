package io.ratestack.spring.web;

import java.net.URI;

/**
 * What the RFC 9457 body of a refused request says.
 *
 * @param type the problem type URI
 * @param title the short summary of the type
 * @param detail the explanation of this occurrence; slowstack's tutorial answers {@code rate limited}
 */
public record ProblemDetails(URI type, String title, String detail) {

    /** The IETF {@code quota-exceeded} problem type, with the tutorial's detail. */
    public static final ProblemDetails DEFAULT = new ProblemDetails(
            URI.create("https://iana.org/assignments/http-problem-types#quota-exceeded"),
            "Request cannot be satisfied as assigned quota has been exceeded",
            "rate limited");
}
