"""`kpolicy serve`: the review desk in the browser (Starlette + Jinja2 on uvicorn).

`server` builds the ASGI application; `app` holds the safety machinery (token, CSRF,
read-only, security headers, error pages); `pages` the read-side handlers, each an
HTML page with a `.json` twin at the same path; `actions` the write handlers, which
only parse forms and call kpolicy.curate inside one Database.writing() transaction;
`reads` the queries the pages need beyond kpolicy.query; `svg` the visual timeline.

Nothing here is imported on the CLI's query path: `kpolicy serve` imports it when run.
"""

from kpolicy.web.server import create_app

__all__ = ["create_app"]
