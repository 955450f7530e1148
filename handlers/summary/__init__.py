"""The leadership summary: built as data (build.py), written as replies (report.py),
rendered as documents (document.py) and a chart (chart.py), and posted exactly once through
a platform's publisher (post.py). When it is due: handlers/schedule.py."""
