package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void durationsAreWrittenInTheirLargestExactUnitAndReadBack() {
        Stream<Duration> durations = Stream.of(Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(90),
                Duration.ofMinutes(1), Duration.ofHours(24), Duration.ofMillis(1500), Duration.ofSeconds(-5),
                Duration.ofNanos(1500), Duration.ofNanos(7));

        assertThat(durations.map(duration -> {
            String text = Durations.format(duration);
            assertThat(Durations.parse(text)).as(text).isEqualTo(duration);
            return text;
        })).containsExactly("0s", "10s", "90s", "1m", "1d", "1500ms", "-5s", "1500ns", "7ns");
    }
}
