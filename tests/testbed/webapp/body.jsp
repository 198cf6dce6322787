<%@ page session="false" isErrorPage="true" trimDirectiveWhitespaces="true" %><%@ include file="/WEB-INF/testbed.jspf" %><%--
  body.jsp: reads the raw request body with request.getInputStream() (never getParameter, so
  form-encoded bodies are read raw too) and reports it.
  Response headers: X-Body-Length, X-Body-CRC32 (8 hex digits), X-Body-SHA256, X-Body-Reads,
  X-Body-Content-Length (request Content-Length as Tomcat saw it, -1 if none).
  Body (text/plain): the same as "key: value" lines, or with ?echo=1 the request body itself
  (application/octet-stream, with Content-Length).
  Query controls:
    echo=1        echo the body instead of the summary
    readDelay=ms  sleep before each read() call
    bufsize=N     size of the read buffer (default 8192)
    max=N         stop after N bytes (leave the rest unread)
    noread=1      do not read the body at all
  "reads" counts the read() calls that returned data.
--%><%
    java.io.InputStream in = request.getInputStream();
    java.io.ByteArrayOutputStream keep = "1".equals(qp(request, "echo")) ? new java.io.ByteArrayOutputStream() : null;
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    long delay = longParam(request, "readDelay", 0);
    long max = longParam(request, "max", -1);
    int bufsize = Math.max(1, intParam(request, "bufsize", 8192));
    byte[] buf = new byte[bufsize];
    long total = 0;
    int reads = 0;
    boolean eof = false;
    if (!"1".equals(qp(request, "noread"))) {
        while (max < 0 || total < max) {
            sleepMs(delay);
            int want = buf.length;
            if (max >= 0 && max - total < want) {
                want = (int) (max - total);
            }
            int r = in.read(buf, 0, want);
            if (r < 0) {
                eof = true;
                break;
            }
            if (r == 0) {
                continue;
            }
            reads++;
            total += r;
            md.update(buf, 0, r);
            crc.update(buf, 0, r);
            if (keep != null) {
                keep.write(buf, 0, r);
            }
        }
    }
    String sha = hex(md.digest());
    String crcHex = String.format("%08x", crc.getValue());
    response.setHeader("X-Body-Length", String.valueOf(total));
    response.setHeader("X-Body-CRC32", crcHex);
    response.setHeader("X-Body-SHA256", sha);
    response.setHeader("X-Body-Reads", String.valueOf(reads));
    response.setHeader("X-Body-Content-Length", String.valueOf(request.getContentLengthLong()));
    if (keep != null) {
        byte[] b = keep.toByteArray();
        response.setContentType("application/octet-stream");
        response.setContentLengthLong(b.length);
        java.io.OutputStream os = response.getOutputStream();
        os.write(b);
        os.flush();
    } else {
        response.setContentType("text/plain;charset=UTF-8");
        StringBuilder o = new StringBuilder(256);
        o.append("node: ").append(esc(testbedNode(application))).append('\n');
        o.append("method: ").append(esc(request.getMethod())).append('\n');
        o.append("contentLength: ").append(request.getContentLengthLong()).append('\n');
        o.append("contentType: ").append(esc(request.getContentType())).append('\n');
        o.append("length: ").append(total).append('\n');
        o.append("crc32: ").append(crcHex).append('\n');
        o.append("sha256: ").append(sha).append('\n');
        o.append("reads: ").append(reads).append('\n');
        o.append("eof: ").append(eof).append('\n');
        out.print(o);
    }
%>
