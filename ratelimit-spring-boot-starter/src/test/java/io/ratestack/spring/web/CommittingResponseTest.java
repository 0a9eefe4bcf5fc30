package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
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

    /** The status a use finishes with, and whether the response was committed by then. */
    @Nested
    class CommitState {
        private final MockHttpServletResponse real = new MockHttpServletResponse();
        private final List<String> finishedWith = new ArrayList<>();
        private final CommittingResponse response = new CommittingResponse(real,
                () -> finishedWith.add(real.getStatus() + (real.isCommitted() ? " committed" : " uncommitted")));

        /** Writer text counts as its encoded bytes, not 4 a char: a buffer a quarter full leaves the status open. */
        @Test
        void aWriterDoesNotFinishLongBeforeTheResponseCanCommit() throws Exception {
            real.setBufferSize(4096);
            response.getWriter().write("x".repeat(1100)); // 1100 bytes in UTF-8/ISO-8859-1: far from filling 4096
            // the view fails: Spring resets the buffer and answers 500, which must be refunded
            response.resetBuffer();
            response.setStatus(500);
            response.finish();

            assertThat(real.isCommitted()).isFalse();
            assertThat(finishedWith).containsExactly("500 uncommitted");
        }

        /**
         * Servlet 6.1's sendRedirect(location, sc) overloads go straight to the real response. Tagged: compat-boot3
         * (Servlet 6.0, without them) leaves it out.
         */
        @Test
        @Tag("servlet-6.1")
        void aRedirectWithAStatusFinishesBeforeItCommits() throws Exception {
            response.sendRedirect("/elsewhere", 301);

            assertThat(real.isCommitted()).isTrue();
            assertThat(finishedWith).as("finished before the commit").containsExactly("301 uncommitted");
        }

        /** PrintWriter.checkError() still reports the container writer's errors (a client that went away). */
        @Test
        void checkErrorStillReportsAFailedWrite() throws Exception {
            PrintWriter failing = new PrintWriter(new Writer() {
                @Override
                public void write(char[] cbuf, int off, int len) throws IOException {
                    throw new IOException("Broken pipe");
                }

                @Override
                public void flush() throws IOException {
                    throw new IOException("Broken pipe");
                }

                @Override
                public void close() {
                }
            });
            HttpServletResponseWrapper container = new HttpServletResponseWrapper(real) {
                @Override
                public PrintWriter getWriter() {
                    return failing;
                }
            };
            CommittingResponse wrapped = new CommittingResponse(container, () -> { });

            failing.print("direct");
            assertThat(failing.checkError()).as("the container's writer reports it").isTrue();

            wrapped.getWriter().print("event\n");
            assertThat(wrapped.getWriter().checkError()).as("the wrapped writer reports it too").isTrue();
        }
    }
}
