package io.ratestack.spring.autoconfigure;

import jakarta.servlet.ServletException;
import java.io.IOException;
import java.lang.reflect.Method;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;

/**
 * Tomcat reads a request's unread body to its end after the response, to keep the connection, even when the
 * response says {@code Connection: close}; a client that sends the body slowly then holds a worker thread for as long
 * as it likes. This valve tells Tomcat not to: after a response that closes the connection (such as the filter's
 * refusal of a request with a body), the connection is closed once the response is written, the body left unread.
 */
final class UnreadBodyValve extends ValveBase {

    /** Spring Boot 4's and 3.5's Tomcat servlet web server factories. */
    static final String[] TOMCAT_FACTORIES = {"org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory",
            "org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory"};

    UnreadBodyValve() {
        super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        getNext().invoke(request, response);
        if (!request.isAsyncStarted() && closesConnection(response) && !request.getCoyoteRequest().isFinished()) {
            request.getCoyoteRequest().action(ActionCode.DISABLE_SWALLOW_INPUT, null);
        }
    }

    private static boolean closesConnection(Response response) {
        String connection = response.getHeader("Connection");
        return connection != null && connection.equalsIgnoreCase("close");
    }

    /**
     * Adds the valve to a Tomcat web server factory, of Spring Boot 4 or 3.5 (both have {@code addEngineValves});
     * any other factory is left alone.
     *
     * @param factory a web server factory
     */
    static void addTo(Object factory) {
        Method addEngineValves;
        try {
            addEngineValves = factory.getClass().getMethod("addEngineValves", Valve[].class);
        } catch (NoSuchMethodException notTomcat) {
            return;
        }
        try {
            addEngineValves.invoke(factory, (Object) new Valve[] {new UnreadBodyValve()});
        } catch (ReflectiveOperationException impossible) {
            throw new IllegalStateException("Could not add a valve to " + factory, impossible);
        }
    }
}
