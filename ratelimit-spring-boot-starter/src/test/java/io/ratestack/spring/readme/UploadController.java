package io.ratestack.spring.readme;

import io.ratestack.spring.web.Algorithm;
import io.ratestack.spring.web.RateLimit;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

// The README's example as written there; DocExamplesTest loads it and checks the README's copy.

// tag::algorithms[]
@RestController
class UploadController {

    @PostMapping("/upload")
    @RateLimit(algorithm = Algorithm.TOKEN_BUCKET, limit = 1, per = "10s", capacity = 5)
    @RateLimit(algorithm = Algorithm.CONCURRENCY, limit = 2, name = "uploads-in-flight")
    String upload(@RequestBody byte[] file) {
        return "stored " + file.length + " bytes";
    }
}
// end::algorithms[]
