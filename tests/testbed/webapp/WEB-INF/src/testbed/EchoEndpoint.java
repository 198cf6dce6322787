package testbed;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpSession;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The testbed's WebSocket endpoint (JSR-356), at /ws/echo of every context. Compiled by tomcat.sh
 * make-base into WEB-INF/classes and registered by {@link Setup} (web.xml lists it).
 *
 * Binary messages are echoed. Text messages are echoed, except three commands:
 *   "whoami" -> one "key=value" line each: node (jvmRoute), session (the HTTP session id at the
 *               handshake, or none), open (endpoints open now), and the handshake's host,
 *               x-forwarded-for and x-forwarded-proto headers (none when absent)
 *   "stats"  -> "open=<endpoints open now> closed=<endpoints closed so far>"
 *   "close"  -> the server closes the session (1000, "bye").
 */
public class EchoEndpoint extends Endpoint {
    static final AtomicInteger OPEN = new AtomicInteger();
    static final AtomicInteger CLOSED = new AtomicInteger();
    private static final String HTTP_SESSION = "testbed.httpSession";
    private static final String[] REPORTED = {"host", "x-forwarded-for", "x-forwarded-proto"};

    /** Registers the endpoint once the WebSocket container exists. */
    public static class Setup implements ServletContextListener {
        @Override
        public void contextInitialized(ServletContextEvent event) {
            ServerContainer container = (ServerContainer) event.getServletContext()
                    .getAttribute(ServerContainer.class.getName());
            ServerEndpointConfig config = ServerEndpointConfig.Builder
                    .create(EchoEndpoint.class, "/ws/echo")
                    .configurator(new ServerEndpointConfig.Configurator() {
                        @Override
                        public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request,
                                HandshakeResponse response) {
                            Object session = request.getHttpSession();
                            String id = session == null ? "none" : ((HttpSession) session).getId();
                            // Tomcat hands each handshake its own copy of the config.
                            sec.getUserProperties().put(HTTP_SESSION, id);
                            for (String name : REPORTED) {
                                java.util.List<String> values = request.getHeaders().get(name);
                                sec.getUserProperties().put(name,
                                        values == null ? "none" : String.join(",", values));
                            }
                        }
                    })
                    .build();
            try {
                container.addEndpoint(config);
            } catch (DeploymentException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String node() {
        return System.getProperty("testbed.jvmRoute", "unknown");
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        OPEN.incrementAndGet();
        session.setMaxBinaryMessageBufferSize(1 << 20);
        session.setMaxTextMessageBufferSize(1 << 20);
        StringBuilder about = new StringBuilder();
        about.append("session=").append(config.getUserProperties().get(HTTP_SESSION)).append('\n');
        for (String name : REPORTED) {
            about.append(name).append('=').append(config.getUserProperties().get(name)).append('\n');
        }
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
            try {
                if (text.equals("whoami")) {
                    session.getBasicRemote().sendText(
                            "node=" + node() + "\nopen=" + OPEN.get() + "\n" + about);
                } else if (text.equals("stats")) {
                    session.getBasicRemote().sendText("open=" + OPEN.get() + " closed=" + CLOSED.get());
                } else if (text.equals("close")) {
                    session.close(new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, "bye"));
                } else {
                    session.getBasicRemote().sendText(text);
                }
            } catch (IOException e) {
                closeQuietly(session);
            }
        });
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) data -> {
            try {
                session.getBasicRemote().sendBinary(data);
            } catch (IOException e) {
                closeQuietly(session);
            }
        });
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        OPEN.decrementAndGet();
        CLOSED.incrementAndGet();
    }

    private static void closeQuietly(Session session) {
        try {
            session.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
