package io.ratestack.benchmarks.bucket4j;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The tutorial's {@code /test}, limited per IP globally and per path by bucket4j-spring-boot-starter. */
@SpringBootApplication
@EnableCaching
@RestController
public class Bucket4jApplication {

    public static void main(String[] args) {
        SpringApplication.run(Bucket4jApplication.class, args);
    }

    @GetMapping("/test")
    public String test() {
        return "test ok";
    }
}
