package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;

/** A use finishes before anything can commit the response, with the status the response has then. */
class CommittingResponseTest {

    private final MockHttpServletResponse real = new MockHttpServletResponse();
    private final List<Integer> finishedWith = new ArrayList<>();
    private final CommittingResponse response = new CommittingResponse(real,
            () -> finishedWith.add(real.getStatus()));

    @Test
    void finishesBeforeAFlush() throws Exception {
        response.setStatus(201);
        response.getOutputStream().write("partial".getBytes(StandardCharsets.UTF_8));
        assertThat(finishedWith).isEmpty();

        response.getOutputStream().flush();

        assertThat(finishedWith).containsExactly(201);
        assertThat(real.getContentAsString()).isEqualTo("partial");
    }

    @Test
    void finishesBeforeTheWriteThatReachesTheContentLength() throws Exception {
        response.setContentLength(7);
        response.getOutputStream().write("tes".getBytes(StandardCharsets.UTF_8));
        assertThat(finishedWith).isEmpty();

        response.getOutputStream().write("t ok".getBytes(StandardCharsets.UTF_8));

        assertThat(finishedWith).containsExactly(200);
    }

    @Test
    void finishesBeforeAWriteThatFillsTheBuffer() throws Exception {
        response.setBufferSize(16);
        response.getOutputStream().write(new byte[10]);
        assertThat(finishedWith).isEmpty();

        response.getOutputStream().write(new byte[10]);

        assertThat(finishedWith).hasSize(1);
    }

    @Test
    void writersFinishConservatively() throws Exception {
        response.setHeader("Content-Length", "100");
        response.getWriter().write("ab");
        response.getWriter().flush();

        assertThat(finishedWith).containsExactly(200);
    }

    @Test
    void anErrorFinishesWithItsStatus() throws Exception {
        response.sendError(500);

        assertThat(finishedWith).containsExactly(500);
    }

    @Test
    void aRedirectFinishesAsAFound() throws Exception {
        response.sendRedirect("/elsewhere");

        assertThat(finishedWith).containsExactly(302);
    }

    @Test
    void finishesOnceWhateverHappensNext() throws Exception {
        response.flushBuffer();
        response.getOutputStream().close();
        response.finish();

        assertThat(finishedWith).hasSize(1);
    }
}
