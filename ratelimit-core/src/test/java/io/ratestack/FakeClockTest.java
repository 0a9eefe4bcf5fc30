package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FakeClockTest {

    @Test
    void runsDueTasksInDeadlineOrderWithTheClockAtEachDeadline() {
        FakeClock clock = new FakeClock(100);
        List<String> ran = new ArrayList<>();
        clock.schedule(130, () -> ran.add("130@" + clock.nanoTime()));
        clock.schedule(110, () -> ran.add("110@" + clock.nanoTime()));
        clock.schedule(110, () -> ran.add("110b@" + clock.nanoTime()));
        clock.schedule(500, () -> ran.add("500"));

        clock.advanceNanos(40);

        assertThat(ran).containsExactly("110@110", "110b@110", "130@130");
        assertThat(clock.nanoTime()).isEqualTo(140);
        assertThat(clock.elapsed()).isEqualTo(Duration.ofNanos(40));
        assertThat(clock.scheduledTasks()).isEqualTo(1);
    }

    @Test
    void tasksScheduledByATaskRunInTheSameAdvanceWhenDue() {
        FakeClock clock = new FakeClock();
        List<Long> ran = new ArrayList<>();
        clock.schedule(10, () -> clock.schedule(15, () -> ran.add(clock.nanoTime())));

        clock.advanceNanos(20);

        assertThat(ran).containsExactly(15L);
    }

    @Test
    void cancelledTasksDoNotRun() {
        FakeClock clock = new FakeClock();
        List<String> ran = new ArrayList<>();
        clock.schedule(10, () -> ran.add("x")).cancel();

        clock.advanceNanos(10);

        assertThat(ran).isEmpty();
    }

    @Test
    void pastDeadlinesRunOnTheNextAdvanceWithoutMovingTheClockBack() {
        FakeClock clock = new FakeClock(50);
        List<Long> ran = new ArrayList<>();
        clock.schedule(10, () -> ran.add(clock.nanoTime()));

        clock.advance(Duration.ZERO);

        assertThat(ran).containsExactly(50L);
    }
}
