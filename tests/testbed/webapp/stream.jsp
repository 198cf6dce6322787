<%@ page session="false" isErrorPage="true" trimDirectiveWhitespaces="true" %><%@ include file="/WEB-INF/testbed.jspf" %><%--
  stream.jsp?n=N: N bytes (Content-Type text/plain, written to the response OutputStream),
  byte i = "0123456789abcdefghijklmnopqrstuvwxyz"[i % 36].
    chunk=C    write in pieces of C bytes (default 8192)
    flush=1    flush the response after every piece
    delay=ms   sleep after every piece except the last
    cl=1       set Content-Length: N first
    buffer=B   response.setBufferSize(B) first
--%><%
    final byte[] ALPHA = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes("US-ASCII");
    long n = Math.max(0, longParam(request, "n", 0));
    int chunk = Math.max(1, intParam(request, "chunk", 8192));
    boolean flush = "1".equals(qp(request, "flush"));
    long delay = longParam(request, "delay", 0);
    int bufferSize = intParam(request, "buffer", -1);
    if (bufferSize >= 0) {
        response.setBufferSize(bufferSize);
    }
    response.setContentType("text/plain");
    if ("1".equals(qp(request, "cl"))) {
        response.setContentLengthLong(n);
    }
    java.io.OutputStream os = response.getOutputStream();
    byte[] buf = new byte[chunk];
    long i = 0;
    while (i < n) {
        int len = (int) Math.min(chunk, n - i);
        for (int k = 0; k < len; k++) {
            buf[k] = ALPHA[(int) ((i + k) % 36)];
        }
        os.write(buf, 0, len);
        i += len;
        if (flush) {
            os.flush();
        }
        if (i < n) {
            sleepMs(delay);
        }
    }
%>
