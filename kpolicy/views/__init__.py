"""Views of query results: terminal tables and the `show` layout (`render`), export
formats (`exports`: CSV, JSON, TimelineJS, iCalendar, Datasette metadata) and charts (`plot`)."""
