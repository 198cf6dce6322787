<%@ page session="false" isErrorPage="true" trimDirectiveWhitespaces="true" contentType="text/plain;charset=UTF-8" %><%@ include file="/WEB-INF/testbed.jspf" %><%--
  sleep.jsp?ms=N: sleeps N ms, then answers "slept: N".
    flushFirst=1   first write "sleeping: N" and flush (commits the headers), then sleep
--%><%
    long ms = Math.max(0, longParam(request, "ms", 0));
    if ("1".equals(qp(request, "flushFirst"))) {
        out.print("sleeping: " + ms + "\n");
        out.flush();
    }
    sleepMs(ms);
    out.print("slept: " + ms + "\n");
%>
