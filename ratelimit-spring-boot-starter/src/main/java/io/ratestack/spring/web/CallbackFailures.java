package io.ratestack.spring.web;

import io.ratestack.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.commons.logging.Log;

/**
 * Logs the failures of an application's callback (a resolver the filter calls for every request) without letting
 * a client flood the log: one WARN line per cause and interval. A cause is the exception's type and the place it was
 * thrown; its first failure is logged at once, later ones at most once per interval, with the count of those left
 * out since. The line names the exception and where it was thrown; the stack trace comes with it only when DEBUG is
 * enabled for the log.
 */
final class CallbackFailures {

    /** Distinct causes tracked; further ones share one entry, so a callback failing in many ways costs bounded memory. */
    private static final int MAX_CAUSES = 64;

    private final Log log;
    private final String what;
    private final Clock clock;
    private final long intervalNanos;
    private final ConcurrentMap<String, Cause> causes = new ConcurrentHashMap<>();

    /**
     * @param log where the lines go
     * @param what what failed, starting the line ({@code ClientKeyResolver failed})
     * @param clock the clock the interval is measured on
     * @param interval the least time between two lines of one cause
     */
    CallbackFailures(Log log, String what, Clock clock, Duration interval) {
        this.log = log;
        this.what = what;
        this.clock = clock;
        this.intervalNanos = interval.toNanos();
    }

    /**
     * Records a failure, logging it if its cause was not logged within the interval.
     *
     * @param failure what the callback threw
     * @param consequence what the filter did instead, ending the line ({@code keying the request by its address})
     */
    void failed(Throwable failure, String consequence) {
        String place = place(failure);
        String key = failure.getClass().getName() + " at " + place;
        Cause cause = causes.get(key);
        if (cause == null) {
            cause = causes.size() < MAX_CAUSES ? causes.computeIfAbsent(key, k -> new Cause())
                    : causes.computeIfAbsent("", k -> new Cause());
        }
        long suppressed = cause.report(clock.nanoTime(), intervalNanos);
        if (suppressed < 0) {
            return;
        }
        String line = what + ": " + failure + (place.isEmpty() ? "" : " (at " + place + ")") + "; " + consequence
                + (suppressed == 0 ? "" : " [" + suppressed + " more failure(s) like it since the last line]")
                + (log.isDebugEnabled() ? "" : "; the stack trace is logged at DEBUG");
        if (log.isDebugEnabled()) {
            log.warn(line, failure);
        } else {
            log.warn(line);
        }
    }

    /**
     * Where the application's code threw: the first frame outside the JDK ({@code java.}, {@code javax.},
     * {@code jdk.}, {@code sun.}), such as {@code com.example.Keys.lambda$apiKeys$0(Keys.java:12)}, so that two
     * bugs that fail in the same JDK method (a {@code Set.of(...).contains(null)}) are two causes.
     */
    private static String place(Throwable failure) {
        StackTraceElement[] trace = failure.getStackTrace();
        for (StackTraceElement frame : trace) {
            String type = frame.getClassName();
            if (!(type.startsWith("java.") || type.startsWith("javax.") || type.startsWith("jdk.")
                    || type.startsWith("sun."))) {
                return frame.toString();
            }
        }
        return trace.length == 0 ? "" : trace[0].toString();
    }

    /** When one cause was last logged, and how many of its failures were left out since. */
    private static final class Cause {
        private boolean logged;
        private long lastLogged;
        private long suppressed;

        /** The count of failures left out since the last line if this one is to be logged, else -1. */
        synchronized long report(long now, long intervalNanos) {
            if (logged && now - lastLogged < intervalNanos) {
                suppressed++;
                return -1;
            }
            long left = suppressed;
            logged = true;
            lastLogged = now;
            suppressed = 0;
            return left;
        }
    }
}
