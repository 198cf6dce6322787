"""The scenarios (ids, titles, paths, connections) and the timings of the full and quick modes."""


FAKE_SCENARIOS = [
    # id, title, path, connections, upload?
    ("small-c1", "~100 B response, 1 connection", "/bytes?n=100&cl=1", 1, False),
    ("small-c16", "~100 B response, 16 connections", "/bytes?n=100&cl=1", 16, False),
    ("small-c64", "~100 B response, 64 connections", "/bytes?n=100&cl=1", 64, False),
    ("small-c256", "~100 B response, 256 connections", "/bytes?n=100&cl=1", 256, False),
    ("100k-c16", "100 KiB response, 16 connections", "/bytes?n=102400", 16, False),
    ("upload-c4", "10 MiB upload (POST), 4 connections", "/upload", 4, True),
]
TOMCAT_SCENARIOS = [
    ("tc-small-c16", "Tomcat JSP ~100 B, 16 connections", "/stream.jsp?n=100", 16, False),
    ("tc-small-c64", "Tomcat JSP ~100 B, 64 connections", "/stream.jsp?n=100", 64, False),
    ("tc-100k-c16", "Tomcat JSP 100 KiB, 16 connections", "/stream.jsp?n=102400", 16, False),
    ("tc-upload-c4", "Tomcat JSP 10 MiB upload, 4 connections", "/body.jsp", 4, True),
]


def mode_settings(quick):
    if quick:
        return dict(rounds=1, dur=2, dur_c1=1, warm=1, upload_dur=2, idle_n=1000, idle_deadline=60,
                    fail_dur=5, fail_kill_at=2.0, tomcat_warm=2)
    return dict(rounds=2, dur=5, dur_c1=3, warm=1, upload_dur=5, idle_n=10000, idle_deadline=120,
                fail_dur=9, fail_kill_at=3.0, tomcat_warm=3)
