package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.FakeClock;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.logging.Log;
import org.junit.jupiter.api.Test;

/** A failing callback's log: one line per cause and interval, on a fake clock, against a recording log. */
class CallbackFailuresTest {

    private final FakeClock clock = new FakeClock();
    private final List<String> lines = new ArrayList<>();
    private boolean debug;
    private final Log log = (Log) Proxy.newProxyInstance(Log.class.getClassLoader(), new Class<?>[] {Log.class},
            (proxy, method, args) -> {
                if (method.getName().equals("warn")) {
                    lines.add(args[0] + (args.length > 1 ? " +trace" : ""));
                }
                return method.getReturnType() == boolean.class ? debug : null;
            });
    private final CallbackFailures failures =
            new CallbackFailures(log, "ClientKeyResolver failed", clock, Duration.ofMinutes(1));

    private static RuntimeException thrownHere() {
        return new NullPointerException("contains(null)");
    }

    private static RuntimeException thrownThere() {
        return new IllegalStateException("no key store");
    }

    @Test
    void aCauseFailingOnEveryRequestIsOneLineWithoutAStackTrace() {
        for (int i = 0; i < 60; i++) {
            failures.failed(thrownHere(), "keying the request by its address");
            clock.advance(Duration.ofMillis(100));
        }

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("ClientKeyResolver failed: java.lang.NullPointerException: contains(null)"
                        + " (at io.ratestack.spring.web.CallbackFailuresTest.thrownHere(CallbackFailuresTest.java:")
                .endsWith("; keying the request by its address; the stack trace is logged at DEBUG")
                .doesNotContain("+trace");
    }

    @Test
    void afterTheIntervalTheCauseIsLoggedAgainWithTheCountLeftOut() {
        for (int i = 0; i < 10; i++) {
            failures.failed(thrownHere(), "keyed by address");
        }
        clock.advance(Duration.ofSeconds(59));
        failures.failed(thrownHere(), "keyed by address");
        clock.advance(Duration.ofSeconds(1));
        failures.failed(thrownHere(), "keyed by address");

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("keyed by address [10 more failure(s) like it since the last line]");
    }

    @Test
    void eachCauseHasItsOwnLine() {
        for (int i = 0; i < 5; i++) {
            failures.failed(thrownHere(), "keyed by address");
            failures.failed(thrownThere(), "keyed by address");
        }

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("IllegalStateException: no key store (at ").contains("thrownThere");
    }

    private static RuntimeException thrownByTheJdkFromHere(java.util.Set<String> keys) {
        try {
            keys.contains(null);
            throw new AssertionError("Set.of(...) refuses null");
        } catch (NullPointerException thrown) {
            return thrown;
        }
    }

    private static RuntimeException catchContains(java.util.Set<String> keys) {
        try {
            keys.contains(null);
            throw new AssertionError("Set.of(...) refuses null");
        } catch (NullPointerException thrown) {
            return thrown;
        }
    }

    @Test
    void aCauseIsWhereTheApplicationsCodeThrewNotTheJdkMethodBelowIt() {
        failures.failed(thrownByTheJdkFromHere(java.util.Set.of("k")), "keyed by address");
        failures.failed(catchContains(java.util.Set.of("k")), "keyed by address");

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("(at io.ratestack.spring.web.CallbackFailuresTest.thrownByTheJdkFromHere(");
        assertThat(lines.get(1)).contains("(at io.ratestack.spring.web.CallbackFailuresTest.catchContains(");
    }

    @Test
    void theStackTraceComesWithTheLineWhenDebugIsOn() {
        debug = true;

        failures.failed(thrownHere(), "keyed by address");

        assertThat(lines).singleElement().asString().endsWith("keyed by address +trace");
    }

    @Test
    void causesBeyondTheBoundShareOneLine() {
        for (int i = 0; i < 200; i++) {
            RuntimeException failure = new IllegalStateException("cause " + i);
            failure.setStackTrace(new StackTraceElement[] {new StackTraceElement("Gen", "m" + i, "Gen.java", i)});
            failures.failed(failure, "keyed by address");
        }

        assertThat(lines).hasSize(65); // 64 causes tracked, the rest counted as one
    }
}
