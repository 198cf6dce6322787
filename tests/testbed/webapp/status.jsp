<%@ page session="false" isErrorPage="true" trimDirectiveWhitespaces="true" contentType="text/plain;charset=UTF-8" %><%@ include file="/WEB-INF/testbed.jspf" %><%--
  status.jsp?code=N: answers with status N (default 200).
    msg=TEXT       message for sendError / text put in the body
    location=URL   Location header (set as given)
    h=Name:value   add a response header (repeatable, order kept)
    cookie=n=v     add a cookie (repeatable; response.addCookie, no attributes)
    big=N          add a header X-Big with N 'x' characters
    senderror=1    use response.sendError(code, msg) (Tomcat's error page) instead of setStatus
  Body (unless senderror): "status: N" and, if given, "msg: TEXT". Tomcat sends no body for 204/304.
--%><%
    int code = intParam(request, "code", 200);
    String msg = qp(request, "msg");
    String location = qp(request, "location");
    if (location != null) {
        response.setHeader("Location", location);
    }
    for (String h : qpAll(request, "h")) {
        int c = h.indexOf(':');
        if (c > 0) {
            response.addHeader(h.substring(0, c).trim(), h.substring(c + 1).trim());
        }
    }
    for (String ck : qpAll(request, "cookie")) {
        int e = ck.indexOf('=');
        if (e > 0) {
            response.addCookie(new jakarta.servlet.http.Cookie(ck.substring(0, e), ck.substring(e + 1)));
        }
    }
    int big = intParam(request, "big", 0);
    if (big > 0) {
        response.setHeader("X-Big", "x".repeat(big));
    }
    if ("1".equals(qp(request, "senderror"))) {
        if (msg != null) {
            response.sendError(code, msg);
        } else {
            response.sendError(code);
        }
        return;
    }
    response.setStatus(code);
    out.print("status: " + code + "\n");
    if (msg != null) {
        out.print("msg: " + esc(msg) + "\n");
    }
%>
