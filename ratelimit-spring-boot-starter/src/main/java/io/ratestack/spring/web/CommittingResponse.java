package io.ratestack.spring.web;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * The response as the application sees it while it holds a use: the use is finished (completed, or refunded on a
 * refund status) just before anything can commit the response, so that a client never has the answer before its
 * use counts: before a flush, an error or a redirect, and before a write that fills the buffer or reaches the
 * declared content length (the container sends the response at once then). A client pacing itself by its answers
 * then never runs ahead of this server's windows.
 */
final class CommittingResponse extends HttpServletResponseWrapper {

    private static final AtomicIntegerFieldUpdater<CommittingResponse> FINISHED =
            AtomicIntegerFieldUpdater.newUpdater(CommittingResponse.class, "finished");

    private final Runnable finish;
    private volatile int finished;
    private @Nullable ServletOutputStream stream;
    private @Nullable PrintWriter writer;
    private long contentLength = -1;
    private long written;

    /**
     * @param response the real response
     * @param finish finishes the use by the response's status at that moment; run at most once
     */
    CommittingResponse(HttpServletResponse response, Runnable finish) {
        super(response);
        this.finish = finish;
    }

    /** Finishes the use now, if it is not finished yet. */
    void finish() {
        if (finished == 0 && FINISHED.compareAndSet(this, 0, 1)) {
            finish.run();
        }
    }

    /** Finishes the use if writing {@code bytes} more may commit the response. */
    private void beforeWrite(long bytes) {
        long after = written + bytes;
        written = after;
        if ((contentLength >= 0 && after >= contentLength) || after >= getBufferSize()) {
            finish();
        }
    }

    @Override
    public void setContentLength(int length) {
        contentLength = length;
        super.setContentLength(length);
    }

    @Override
    public void setContentLengthLong(long length) {
        contentLength = length;
        super.setContentLengthLong(length);
    }

    @Override
    public void setHeader(String name, String value) {
        recordLength(name, value);
        super.setHeader(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        recordLength(name, value);
        super.addHeader(name, value);
    }

    @Override
    public void setIntHeader(String name, int value) {
        recordLength(name, Integer.toString(value));
        super.setIntHeader(name, value);
    }

    private void recordLength(String name, String value) {
        if ("Content-Length".equalsIgnoreCase(name) && value != null) {
            try {
                contentLength = Long.parseLong(value.strip());
            } catch (NumberFormatException ignored) {
                // not a length: the container will reject or ignore it
            }
        }
    }

    @Override
    public void flushBuffer() throws IOException {
        finish();
        super.flushBuffer();
    }

    @Override
    public void sendError(int status, String message) throws IOException {
        setStatus(status);
        finish();
        super.sendError(status, message);
    }

    @Override
    public void sendError(int status) throws IOException {
        setStatus(status);
        finish();
        super.sendError(status);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        setStatus(SC_FOUND);
        finish();
        super.sendRedirect(location);
    }

    /** Servlet 6.1; never called on an older container. */
    @Override
    public void sendRedirect(String location, int status) throws IOException {
        setStatus(status);
        finish();
        super.sendRedirect(location, status);
    }

    /** Servlet 6.1; never called on an older container. */
    @Override
    public void sendRedirect(String location, boolean clearBuffer) throws IOException {
        setStatus(SC_FOUND);
        finish();
        super.sendRedirect(location, clearBuffer);
    }

    /** Servlet 6.1; never called on an older container. */
    @Override
    public void sendRedirect(String location, int status, boolean clearBuffer) throws IOException {
        setStatus(status);
        finish();
        super.sendRedirect(location, status, clearBuffer);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (stream == null) {
            stream = new FinishingStream(super.getOutputStream());
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            PrintWriter container = super.getWriter();
            writer = new PrintWriter(new FinishingWriter(container)) {
                @Override
                public boolean checkError() {
                    // The container's writer swallows its I/O errors: a disconnected client shows there.
                    boolean own = super.checkError(); // both asked: each flushes its own buffer
                    return container.checkError() || own;
                }
            };
        }
        return writer;
    }

    /** How many bytes {@code chars} become: exact in UTF-8, the charset's worst case otherwise. */
    private long encodedLength(char[] chars, int offset, int length) {
        String charset = getCharacterEncoding();
        if (charset == null || charset.equalsIgnoreCase("UTF-8") || charset.equalsIgnoreCase("UTF8")) {
            long bytes = 0;
            for (int i = offset; i < offset + length; i++) {
                char c = chars[i];
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
            }
            return bytes;
        }
        if (charset.equalsIgnoreCase("ISO-8859-1") || charset.equalsIgnoreCase("US-ASCII")) {
            return length;
        }
        return 4L * length;
    }

    private final class FinishingStream extends ServletOutputStream {
        private final ServletOutputStream out;

        FinishingStream(ServletOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            beforeWrite(1);
            out.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            beforeWrite(length);
            out.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            finish();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            finish();
            out.close();
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            out.setWriteListener(listener);
        }
    }

    private final class FinishingWriter extends Writer {
        private final PrintWriter out;

        FinishingWriter(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            beforeWrite(encodedLength(chars, offset, length));
            out.write(chars, offset, length);
        }

        @Override
        public void flush() {
            finish();
            out.flush();
        }

        @Override
        public void close() {
            finish();
            out.close();
        }
    }
}
