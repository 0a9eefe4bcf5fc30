package io.ratestack.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private final Clock wall = Clock.fixed(Instant.parse("2015-10-21T07:27:00Z"), ZoneOffset.UTC);

    @Test
    void delaySeconds() {
        assertThat(RetryAfter.parse("120", wall)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 5 ", wall)).contains(Duration.ofSeconds(5));
    }

    @Test
    void httpDate() {
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", wall)).contains(Duration.ofMinutes(1));
    }

    @Test
    void missingPastOrMalformedValuesSayNothing() {
        assertThat(RetryAfter.parse(null, wall)).isEmpty();
        assertThat(RetryAfter.parse("", wall)).isEmpty();
        assertThat(RetryAfter.parse("0", wall)).isEmpty();
        assertThat(RetryAfter.parse("soon", wall)).isEmpty();
        assertThat(RetryAfter.parse("-5", wall)).isEmpty();
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", wall)).isEmpty();
    }

    @Test
    void absurdDelaysAreCapped() {
        assertThat(RetryAfter.parse("99999999999999999999", wall)).contains(RetryAfter.MAXIMUM);
        assertThat(RetryAfter.parse("86400", wall)).contains(RetryAfter.MAXIMUM);
    }

    /** RFC 9110 10.2.3 / 5.6.7: a recipient must accept the obsolete HTTP-date forms too. */
    @Test
    void obsoleteHttpDateForms() {
        Clock wall = Clock.fixed(Instant.parse("1994-11-06T08:48:37Z"), ZoneOffset.UTC);
        assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", wall)).contains(Duration.ofSeconds(60));
        assertThat(RetryAfter.parse("Sun Nov  6 08:49:37 1994", wall)).contains(Duration.ofSeconds(60));
    }
}
