package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;

class CommittingResponseRegressionTest {

    private final MockHttpServletResponse real = new MockHttpServletResponse();
    private final List<String> finishedWith = new ArrayList<>();
    private final CommittingResponse response = new CommittingResponse(real,
            () -> finishedWith.add(real.getStatus() + (real.isCommitted() ? " committed" : " uncommitted")));

    /** Writer text is counted 4 bytes a char: a 1/4-full buffer finishes the use while the status can still change. */
    @Test
    void aWriterFinishesLongBeforeTheResponseCanCommit() throws Exception {
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

    /** PrintWriter.checkError() no longer reports the container writer's errors (a client that went away). */
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
