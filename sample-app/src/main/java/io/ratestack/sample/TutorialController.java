package io.ratestack.sample;

import io.ratestack.spring.web.RateLimit;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The tutorial's endpoints, plus one with a limit of its own and one whose YAML limit is a token bucket. */
@RestController
public class TutorialController {

    @GetMapping("/test")
    public String test() {
        return "test ok";
    }

    @GetMapping("/example")
    public String example() {
        return "examples!";
    }

    /** Fails, as the tutorial's {@code assert 1 == 2}: the client gets a 500, and the use is refunded. */
    @GetMapping("/error")
    public String error() {
        throw new AssertionError("1 == 2");
    }

    /** A token bucket per client ({@code application.yml}): bursts of up to 3, then one per two seconds. */
    @GetMapping("/burst")
    public String burst() {
        return "burst ok";
    }

    /** Two per ten seconds per client, instead of the per-route default. */
    @GetMapping("/limited")
    @RateLimit(limit = 2, per = "10s")
    public String limited() {
        return "limited ok";
    }
}
