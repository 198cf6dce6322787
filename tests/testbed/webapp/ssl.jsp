<%@ page session="false" isErrorPage="true" trimDirectiveWhitespaces="true" contentType="text/plain;charset=UTF-8" %><%@ include file="/WEB-INF/testbed.jspf" %><%--
  ssl.jsp: what Tomcat made of the TLS facts the front end sent, as "key: value" lines (esc()'d).
  The TLS version is shown from both of its attribute names. The session id is shown with its length and shape too (its value is per session); each
  certificate of jakarta.servlet.request.X509Certificate by subject, issuer (RFC 2253) and serial (hex).
--%><%
    StringBuilder o = new StringBuilder(1024);
    o.append("secure: ").append(request.isSecure()).append('\n');
    o.append("scheme: ").append(esc(request.getScheme())).append('\n');
    o.append("serverName: ").append(esc(request.getServerName())).append('\n');
    o.append("serverPort: ").append(request.getServerPort()).append('\n');
    o.append("protocol: ").append(esc(request.getProtocol())).append('\n');
    o.append("cipher_suite: ").append(esc(request.getAttribute("jakarta.servlet.request.cipher_suite"))).append('\n');
    Object keySize = request.getAttribute("jakarta.servlet.request.key_size");
    o.append("key_size: ").append(esc(keySize)).append('\n');
    o.append("key_size.type: ").append(keySize == null ? "(null)" : keySize.getClass().getSimpleName()).append('\n');
    // Tomcat 10.1 names the TLS version attribute in its own namespace; Servlet 6.1 (Tomcat 11) adds the jakarta one.
    o.append("secure_protocol_version: ").append(esc(request.getAttribute("org.apache.tomcat.util.net.secure_protocol_version"))).append('\n');
    o.append("secure_protocol: ").append(esc(request.getAttribute("jakarta.servlet.request.secure_protocol"))).append('\n');
    Object sid = request.getAttribute("jakarta.servlet.request.ssl_session_id");
    o.append("ssl_session_id: ").append(sid == null ? "absent" : "present").append('\n');
    o.append("ssl_session_id.length: ").append(sid == null ? 0 : sid.toString().length()).append('\n');
    o.append("ssl_session_id.value: ").append(esc(sid)).append('\n');
    o.append("ssl_session_id.hex: ").append(sid != null && sid.toString().matches("[0-9a-f]*")).append('\n');
    Object certs = request.getAttribute("jakarta.servlet.request.X509Certificate");
    if (certs instanceof java.security.cert.X509Certificate[]) {
        java.security.cert.X509Certificate[] chain = (java.security.cert.X509Certificate[]) certs;
        o.append("certs: ").append(chain.length).append('\n');
        for (int i = 0; i < chain.length; i++) {
            o.append("cert.").append(i).append(".subject: ").append(esc(chain[i].getSubjectX500Principal().getName())).append('\n');
            o.append("cert.").append(i).append(".issuer: ").append(esc(chain[i].getIssuerX500Principal().getName())).append('\n');
            o.append("cert.").append(i).append(".serial: ").append(chain[i].getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT)).append('\n');
        }
    } else {
        o.append("certs: ").append(certs == null ? "absent" : esc(certs.getClass().getName())).append('\n');
    }
    out.print(o);
%>
