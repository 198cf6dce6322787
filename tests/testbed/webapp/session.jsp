<%@ page session="true" isErrorPage="true" trimDirectiveWhitespaces="true" contentType="text/plain;charset=UTF-8" %><%@ include file="/WEB-INF/testbed.jspf" %><%--
  session.jsp: creates (or reuses) an HTTP session and reports it.
    session.id     full id, "<32 hex>.<jvmRoute>"
    session.route  text after the last '.' of the id
    session.new    true on the request that created it
    hits           per-session counter (1 on the first request)
    requested*     what the client sent (cookie or ;jsessionid=)
  ?invalidate=1    invalidates the session after reporting it ("invalidated: true").
--%><%
    Integer hits = (Integer) session.getAttribute("hits");
    hits = (hits == null) ? 1 : hits + 1;
    session.setAttribute("hits", hits);
    String id = session.getId();
    int dot = id.lastIndexOf('.');
    StringBuilder o = new StringBuilder(512);
    o.append("node: ").append(esc(testbedNode(application))).append('\n');
    o.append("session.id: ").append(esc(id)).append('\n');
    o.append("session.route: ").append(dot < 0 ? "" : esc(id.substring(dot + 1))).append('\n');
    o.append("session.new: ").append(session.isNew()).append('\n');
    o.append("session.creationTime: ").append(session.getCreationTime()).append('\n');
    o.append("hits: ").append(hits).append('\n');
    o.append("requestedSessionId: ").append(esc(request.getRequestedSessionId())).append('\n');
    o.append("requestedSessionIdValid: ").append(request.isRequestedSessionIdValid()).append('\n');
    o.append("requestedSessionIdFromCookie: ").append(request.isRequestedSessionIdFromCookie()).append('\n');
    o.append("requestedSessionIdFromURL: ").append(request.isRequestedSessionIdFromURL()).append('\n');
    if ("1".equals(qp(request, "invalidate"))) {
        session.invalidate();
        o.append("invalidated: true\n");
    }
    out.print(o);
%>
