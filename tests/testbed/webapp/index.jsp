<%@ page session="false" isErrorPage="true" trimDirectiveWhitespaces="true" contentType="text/plain;charset=UTF-8" %><%@ include file="/WEB-INF/testbed.jspf" %><%
    out.print("testbed webapp on node " + esc(testbedNode(application)) + "\n"
        + "pages: echo.jsp session.jsp body.jsp stream.jsp sleep.jsp status.jsp\n");
%>
