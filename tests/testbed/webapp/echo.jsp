<%@ page session="false" isErrorPage="true" trimDirectiveWhitespaces="true" contentType="text/plain;charset=UTF-8" %><%@ include file="/WEB-INF/testbed.jspf" %><%--
  echo.jsp: describes the request as line-oriented "key: value" text (UTF-8).
  Values are escaped with esc() (\\ \n \r \xNN), null prints as (null).

  Query controls (read from the raw query string; they are also listed as param.*):
    attr=NAME     (repeatable) probe request.getAttribute(NAME) -> "attr.NAME: value"
    nobody=1      do not read the request body (default: read it to EOF after the parameters)
    noparams=1    do not call getParameterNames() (so a form-encoded body is not parsed)
--%><%
    StringBuilder o = new StringBuilder(4096);
    o.append("node: ").append(esc(testbedNode(application))).append('\n');
    o.append("method: ").append(esc(request.getMethod())).append('\n');
    o.append("uri: ").append(esc(request.getRequestURI())).append('\n');
    o.append("query: ").append(esc(request.getQueryString())).append('\n');
    o.append("protocol: ").append(esc(request.getProtocol())).append('\n');
    o.append("scheme: ").append(esc(request.getScheme())).append('\n');
    o.append("secure: ").append(request.isSecure()).append('\n');
    o.append("serverName: ").append(esc(request.getServerName())).append('\n');
    o.append("serverPort: ").append(request.getServerPort()).append('\n');
    o.append("localName: ").append(esc(request.getLocalName())).append('\n');
    o.append("localAddr: ").append(esc(request.getLocalAddr())).append('\n');
    o.append("localPort: ").append(request.getLocalPort()).append('\n');
    o.append("remoteAddr: ").append(esc(request.getRemoteAddr())).append('\n');
    o.append("remoteHost: ").append(esc(request.getRemoteHost())).append('\n');
    o.append("remotePort: ").append(request.getRemotePort()).append('\n');
    o.append("remoteUser: ").append(esc(request.getRemoteUser())).append('\n');
    o.append("authType: ").append(esc(request.getAuthType())).append('\n');
    o.append("contentLength: ").append(request.getContentLengthLong()).append('\n');
    o.append("contentType: ").append(esc(request.getContentType())).append('\n');
    o.append("requestURL: ").append(esc(request.getRequestURL())).append('\n');
    o.append("contextPath: ").append(esc(request.getContextPath())).append('\n');
    o.append("servletPath: ").append(esc(request.getServletPath())).append('\n');
    o.append("requestedSessionId: ").append(esc(request.getRequestedSessionId())).append('\n');

    // Headers in arrival order: read Coyote's MimeHeaders (one entry per received header line)
    // by reflection; fall back to the servlet API (grouped by first appearance of each name).
    java.util.List<String[]> hdrs = new java.util.ArrayList<>();
    String order = "arrival";
    try {
        Object req = request;
        while (req instanceof jakarta.servlet.ServletRequestWrapper) {
            req = ((jakarta.servlet.ServletRequestWrapper) req).getRequest();
        }
        java.lang.reflect.Field f = null;
        for (Class<?> c = req.getClass(); c != null && f == null; c = c.getSuperclass()) {
            try {
                f = c.getDeclaredField("request");
            } catch (NoSuchFieldException e) {
                // try the superclass
            }
        }
        f.setAccessible(true);
        Object connReq = f.get(req);
        Object coyoteReq = connReq.getClass().getMethod("getCoyoteRequest").invoke(connReq);
        Object mh = coyoteReq.getClass().getMethod("getMimeHeaders").invoke(coyoteReq);
        int n = (Integer) mh.getClass().getMethod("size").invoke(mh);
        java.lang.reflect.Method getName = mh.getClass().getMethod("getName", int.class);
        java.lang.reflect.Method getValue = mh.getClass().getMethod("getValue", int.class);
        for (int i = 0; i < n; i++) {
            hdrs.add(new String[] { String.valueOf(getName.invoke(mh, i)), String.valueOf(getValue.invoke(mh, i)) });
        }
    } catch (Throwable t) {
        hdrs.clear();
        order = "grouped (" + t.getClass().getSimpleName() + ")";
        java.util.Enumeration<String> names = request.getHeaderNames();
        while (names.hasMoreElements()) {
            String name = names.nextElement();
            java.util.Enumeration<String> vals = request.getHeaders(name);
            while (vals.hasMoreElements()) {
                hdrs.add(new String[] { name, vals.nextElement() });
            }
        }
    }
    o.append("headerOrder: ").append(esc(order)).append('\n');
    o.append("headerCount: ").append(hdrs.size()).append('\n');
    for (String[] h : hdrs) {
        o.append("header.").append(esc(h[0].toLowerCase(java.util.Locale.ROOT))).append(": ").append(esc(h[1])).append('\n');
    }

    // Attributes: the ones the AJP connector knows, probed by name (getAttributeNames() does not list them),
    // then ?attr=NAME probes, then whatever getAttributeNames() enumerates.
    java.util.List<String> probes = new java.util.ArrayList<>(java.util.Arrays.asList(
        "AJP_REMOTE_PORT", "AJP_LOCAL_ADDR", "AJP_SSL_PROTOCOL", "JK_LB_ACTIVATION",
        "org.apache.tomcat.util.net.secure_protocol_version",
        "jakarta.servlet.request.cipher_suite", "jakarta.servlet.request.key_size",
        "jakarta.servlet.request.ssl_session_id", "jakarta.servlet.request.X509Certificate"));
    for (String a : qpAll(request, "attr")) {
        if (!probes.contains(a)) {
            probes.add(a);
        }
    }
    for (String a : probes) {
        Object v = request.getAttribute(a);
        if (v instanceof Object[]) {
            Object[] arr = (Object[]) v;
            o.append("attr.").append(esc(a)).append(": array[").append(arr.length).append("]\n");
            for (int i = 0; i < arr.length; i++) {
                Object e = arr[i];
                String s = (e instanceof java.security.cert.X509Certificate)
                    ? ((java.security.cert.X509Certificate) e).getSubjectX500Principal().getName()
                    : String.valueOf(e);
                o.append("attr.").append(esc(a)).append('[').append(i).append("]: ").append(esc(s)).append('\n');
            }
        } else {
            o.append("attr.").append(esc(a)).append(": ").append(esc(v)).append('\n');
        }
    }
    java.util.Enumeration<String> an = request.getAttributeNames();
    while (an.hasMoreElements()) {
        String a = an.nextElement();
        o.append("attrEnum.").append(esc(a)).append(": ").append(esc(request.getAttribute(a))).append('\n');
    }

    // Parameters (query string, and a form-encoded POST body), in Tomcat's order.
    if (!"1".equals(qp(request, "noparams"))) {
        java.util.Enumeration<String> pn = request.getParameterNames();
        while (pn.hasMoreElements()) {
            String p = pn.nextElement();
            for (String v : request.getParameterValues(p)) {
                o.append("param.").append(esc(p)).append(": ").append(esc(v)).append('\n');
            }
        }
    }

    // Whatever body is left (all of it unless the parameters consumed a form body).
    if (!"1".equals(qp(request, "nobody"))) {
        java.io.InputStream in = request.getInputStream();
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[8192];
        long total = 0;
        int r;
        while ((r = in.read(buf)) > 0) {
            md.update(buf, 0, r);
            total += r;
        }
        o.append("body.length: ").append(total).append('\n');
        o.append("body.sha256: ").append(hex(md.digest())).append('\n');
    }
    out.print(o);
%>
