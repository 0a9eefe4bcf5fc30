package io.ratestack.spring.readme;

import io.ratestack.spring.web.RequestCost;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

// The README's example as written there; DocExamplesTest loads it and checks the README's copy.

// tag::actual-cost[]
@RestController
class SearchApi {

    /** Charged 1 when it starts; settled at the pages it really read once it has answered. */
    @PostMapping("/api/search")
    List<String> search(@RequestBody String query, HttpServletRequest request) {
        List<String> hits = List.of("a", "b", "c"); // the search, reading pages
        int pagesRead = 1 + hits.size() / 50;
        request.setAttribute(RequestCost.ACTUAL_COST_ATTRIBUTE, pagesRead);
        return hits;
    }
}
// end::actual-cost[]
